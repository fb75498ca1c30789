"""The original One API's built-in ratio table (songquanpeng/one-api, early 2025).

Kept verbatim so that a deployment moving over from the original bills exactly as
before for every model the original knew. Values are written the way the Go source
writes them and evaluated with exact rational arithmetic, then rounded to a float
once, which is what Go does with untyped constant expressions.

Go quirk preserved on purpose: ``RMB = USD / USD2RMB`` divides two untyped *integer*
constants, so it is 500 // 7 = 71, not 71.43. ``0.004 * RMB`` is therefore 0.284.
"""

from fractions import Fraction as F

USD = F(500)  # quota per $0.001 ... i.e. $1 per 1K tokens = ratio 500
RMB = F(500 // 7)  # integer constant division in Go: 71
MILLI_USD = F(1, 1000) * USD  # ratio of $1 per 1M tokens = 0.5


def _scaled(values: dict, factor: F) -> dict:
    return {name: F(text) * factor for name, text in values.items()}


# Plain numbers (already in ratio scale).
_PLAIN = {
    "gpt-4": "15", "gpt-4-0314": "15", "gpt-4-0613": "15",
    "gpt-4-32k": "30", "gpt-4-32k-0314": "30", "gpt-4-32k-0613": "30",
    "gpt-4-1106-preview": "5", "gpt-4-0125-preview": "5", "gpt-4-turbo-preview": "5",
    "gpt-4-turbo": "5", "gpt-4-turbo-2024-04-09": "5",
    "gpt-4o": "2.5", "chatgpt-4o-latest": "2.5", "gpt-4o-2024-05-13": "2.5",
    "gpt-4o-2024-08-06": "1.25", "gpt-4o-2024-11-20": "1.25",
    "gpt-4o-mini": "0.075", "gpt-4o-mini-2024-07-18": "0.075",
    "gpt-4-vision-preview": "5",
    "gpt-3.5-turbo": "0.25", "gpt-3.5-turbo-0301": "0.75", "gpt-3.5-turbo-0613": "0.75",
    "gpt-3.5-turbo-16k": "1.5", "gpt-3.5-turbo-16k-0613": "1.5",
    "gpt-3.5-turbo-instruct": "0.75", "gpt-3.5-turbo-1106": "0.5", "gpt-3.5-turbo-0125": "0.25",
    "o1": "7.5", "o1-2024-12-17": "7.5", "o1-preview": "7.5", "o1-preview-2024-09-12": "7.5",
    "o1-mini": "1.5", "o1-mini-2024-09-12": "1.5", "o3-mini": "1.5", "o3-mini-2025-01-31": "1.5",
    "davinci-002": "1", "babbage-002": "0.2", "text-ada-001": "0.2", "text-babbage-001": "0.25",
    "text-curie-001": "1", "text-davinci-002": "10", "text-davinci-003": "10",
    "text-davinci-edit-001": "10", "code-davinci-edit-001": "10",
    "whisper-1": "15", "tts-1": "7.5", "tts-1-1106": "7.5", "tts-1-hd": "15", "tts-1-hd-1106": "15",
    "davinci": "10", "curie": "10", "babbage": "10", "ada": "10",
    "text-embedding-ada-002": "0.05", "text-embedding-3-small": "0.01",
    "text-embedding-3-large": "0.065", "text-search-ada-doc-001": "10",
    "text-moderation-stable": "0.1", "text-moderation-latest": "0.1",
    "aqa": "1",
    "glm-4-flash": "0", "glm-4v-flash": "0", "cogview-3-flash": "0", "cogviewx-flash": "0",
    "qwen-audio-turbo": "1.4286",
    "ali-stable-diffusion-xl": "8", "ali-stable-diffusion-v1.5": "8", "wanx-v1": "8",
    "SparkDesk": "1.2858", "SparkDesk-v1.1": "1.2858", "SparkDesk-v2.1": "1.2858",
    "SparkDesk-v3.1": "1.2858", "SparkDesk-v3.1-128K": "1.2858", "SparkDesk-v3.5": "1.2858",
    "SparkDesk-v3.5-32K": "1.2858", "SparkDesk-v4.0": "1.2858",
    "360GPT_S2_V9": "0.8572", "embedding-bert-512-v1": "0.0715", "embedding_s1_v1": "0.0715",
    "semantic_similarity_s1_v1": "0.0715",
    "command": "0.5", "command-nightly": "0.5", "command-light": "0.5", "command-light-nightly": "0.5",
    # OpenRouter model ids (channel type 20)
    "01-ai/yi-large": "1.5", "aetherwiing/mn-starcannon-12b": "0.6", "ai21/jamba-1-5-large": "4.0",
    "ai21/jamba-1-5-mini": "0.2", "ai21/jamba-instruct": "0.35", "aion-labs/aion-1.0": "6.0",
    "aion-labs/aion-1.0-mini": "1.2", "aion-labs/aion-rp-llama-3.1-8b": "0.1",
    "allenai/llama-3.1-tulu-3-405b": "5.0", "alpindale/goliath-120b": "4.6875",
    "alpindale/magnum-72b": "1.125", "amazon/nova-lite-v1": "0.12", "amazon/nova-micro-v1": "0.07",
    "amazon/nova-pro-v1": "1.6", "anthracite-org/magnum-v2-72b": "1.5",
    "anthracite-org/magnum-v4-72b": "1.125", "anthropic/claude-2": "12.0",
    "anthropic/claude-2.0": "12.0", "anthropic/claude-2.0:beta": "12.0",
    "anthropic/claude-2.1": "12.0", "anthropic/claude-2.1:beta": "12.0",
    "anthropic/claude-2:beta": "12.0", "anthropic/claude-3-haiku": "0.625",
    "anthropic/claude-3-haiku:beta": "0.625", "anthropic/claude-3-opus": "37.5",
    "anthropic/claude-3-opus:beta": "37.5", "anthropic/claude-3-sonnet": "7.5",
    "anthropic/claude-3-sonnet:beta": "7.5", "anthropic/claude-3.5-haiku": "2.0",
    "anthropic/claude-3.5-haiku-20241022": "2.0", "anthropic/claude-3.5-haiku-20241022:beta": "2.0",
    "anthropic/claude-3.5-haiku:beta": "2.0", "anthropic/claude-3.5-sonnet": "7.5",
    "anthropic/claude-3.5-sonnet-20240620": "7.5", "anthropic/claude-3.5-sonnet-20240620:beta": "7.5",
    "anthropic/claude-3.5-sonnet:beta": "7.5",
    "cognitivecomputations/dolphin-mixtral-8x22b": "0.45",
    "cognitivecomputations/dolphin-mixtral-8x7b": "0.25", "cohere/command": "0.95",
    "cohere/command-r": "0.7125", "cohere/command-r-03-2024": "0.7125",
    "cohere/command-r-08-2024": "0.285", "cohere/command-r-plus": "7.125",
    "cohere/command-r-plus-04-2024": "7.125", "cohere/command-r-plus-08-2024": "4.75",
    "cohere/command-r7b-12-2024": "0.075", "databricks/dbrx-instruct": "0.6",
    "deepseek/deepseek-chat": "0.445", "deepseek/deepseek-chat-v2.5": "1.0",
    "deepseek/deepseek-chat:free": "0.0", "deepseek/deepseek-r1": "1.2",
    "deepseek/deepseek-r1-distill-llama-70b": "0.345",
    "deepseek/deepseek-r1-distill-llama-70b:free": "0.0",
    "deepseek/deepseek-r1-distill-llama-8b": "0.02", "deepseek/deepseek-r1-distill-qwen-1.5b": "0.09",
    "deepseek/deepseek-r1-distill-qwen-14b": "0.075", "deepseek/deepseek-r1-distill-qwen-32b": "0.09",
    "deepseek/deepseek-r1:free": "0.0", "eva-unit-01/eva-llama-3.33-70b": "3.0",
    "eva-unit-01/eva-qwen-2.5-32b": "1.7", "eva-unit-01/eva-qwen-2.5-72b": "3.0",
    "google/gemini-2.0-flash-001": "0.2", "google/gemini-2.0-flash-exp:free": "0.0",
    "google/gemini-2.0-flash-lite-preview-02-05:free": "0.0",
    "google/gemini-2.0-flash-thinking-exp-1219:free": "0.0",
    "google/gemini-2.0-flash-thinking-exp:free": "0.0", "google/gemini-2.0-pro-exp-02-05:free": "0.0",
    "google/gemini-exp-1206:free": "0.0", "google/gemini-flash-1.5": "0.15",
    "google/gemini-flash-1.5-8b": "0.075", "google/gemini-flash-1.5-8b-exp": "0.0",
    "google/gemini-pro": "0.75", "google/gemini-pro-1.5": "2.5", "google/gemini-pro-vision": "0.75",
    "google/gemma-2-27b-it": "0.135", "google/gemma-2-9b-it": "0.03", "google/gemma-2-9b-it:free": "0.0",
    "google/gemma-7b-it": "0.075", "google/learnlm-1.5-pro-experimental:free": "0.0",
    "google/palm-2-chat-bison": "1.0", "google/palm-2-chat-bison-32k": "1.0",
    "google/palm-2-codechat-bison": "1.0", "google/palm-2-codechat-bison-32k": "1.0",
    "gryphe/mythomax-l2-13b": "0.0325", "gryphe/mythomax-l2-13b:free": "0.0",
    "huggingfaceh4/zephyr-7b-beta:free": "0.0", "infermatic/mn-inferor-12b": "0.6",
    "inflection/inflection-3-pi": "5.0", "inflection/inflection-3-productivity": "5.0",
    "jondurbin/airoboros-l2-70b": "0.25", "liquid/lfm-3b": "0.01", "liquid/lfm-40b": "0.075",
    "liquid/lfm-7b": "0.005", "mancer/weaver": "1.125", "meta-llama/llama-2-13b-chat": "0.11",
    "meta-llama/llama-2-70b-chat": "0.45", "meta-llama/llama-3-70b-instruct": "0.2",
    "meta-llama/llama-3-8b-instruct": "0.03", "meta-llama/llama-3-8b-instruct:free": "0.0",
    "meta-llama/llama-3.1-405b": "1.0", "meta-llama/llama-3.1-405b-instruct": "0.4",
    "meta-llama/llama-3.1-70b-instruct": "0.15", "meta-llama/llama-3.1-8b-instruct": "0.025",
    "meta-llama/llama-3.2-11b-vision-instruct": "0.0275",
    "meta-llama/llama-3.2-11b-vision-instruct:free": "0.0",
    "meta-llama/llama-3.2-1b-instruct": "0.005", "meta-llama/llama-3.2-3b-instruct": "0.0125",
    "meta-llama/llama-3.2-90b-vision-instruct": "0.8", "meta-llama/llama-3.3-70b-instruct": "0.15",
    "meta-llama/llama-3.3-70b-instruct:free": "0.0", "meta-llama/llama-guard-2-8b": "0.1",
    "microsoft/phi-3-medium-128k-instruct": "0.5", "microsoft/phi-3-medium-128k-instruct:free": "0.0",
    "microsoft/phi-3-mini-128k-instruct": "0.05", "microsoft/phi-3-mini-128k-instruct:free": "0.0",
    "microsoft/phi-3.5-mini-128k-instruct": "0.05", "microsoft/phi-4": "0.07",
    "microsoft/wizardlm-2-7b": "0.035", "microsoft/wizardlm-2-8x22b": "0.25",
    "minimax/minimax-01": "0.55", "mistralai/codestral-2501": "0.45",
    "mistralai/codestral-mamba": "0.125", "mistralai/ministral-3b": "0.02",
    "mistralai/ministral-8b": "0.05", "mistralai/mistral-7b-instruct": "0.0275",
    "mistralai/mistral-7b-instruct-v0.1": "0.1", "mistralai/mistral-7b-instruct-v0.3": "0.0275",
    "mistralai/mistral-7b-instruct:free": "0.0", "mistralai/mistral-large": "3.0",
    "mistralai/mistral-large-2407": "3.0", "mistralai/mistral-large-2411": "3.0",
    "mistralai/mistral-medium": "4.05", "mistralai/mistral-nemo": "0.04",
    "mistralai/mistral-nemo:free": "0.0", "mistralai/mistral-small": "0.3",
    "mistralai/mistral-small-24b-instruct-2501": "0.07",
    "mistralai/mistral-small-24b-instruct-2501:free": "0.0", "mistralai/mistral-tiny": "0.125",
    "mistralai/mixtral-8x22b-instruct": "0.45", "mistralai/mixtral-8x7b": "0.3",
    "mistralai/mixtral-8x7b-instruct": "0.12", "mistralai/pixtral-12b": "0.05",
    "mistralai/pixtral-large-2411": "3.0", "neversleep/llama-3-lumimaid-70b": "2.25",
    "neversleep/llama-3-lumimaid-8b": "0.5625", "neversleep/llama-3-lumimaid-8b:extended": "0.5625",
    "neversleep/llama-3.1-lumimaid-70b": "2.25", "neversleep/llama-3.1-lumimaid-8b": "0.5625",
    "neversleep/noromaid-20b": "1.125", "nothingiisreal/mn-celeste-12b": "0.6",
    "nousresearch/hermes-2-pro-llama-3-8b": "0.02", "nousresearch/hermes-3-llama-3.1-405b": "0.4",
    "nousresearch/hermes-3-llama-3.1-70b": "0.15", "nousresearch/nous-hermes-2-mixtral-8x7b-dpo": "0.3",
    "nousresearch/nous-hermes-llama2-13b": "0.085", "nvidia/llama-3.1-nemotron-70b-instruct": "0.15",
    "nvidia/llama-3.1-nemotron-70b-instruct:free": "0.0", "openai/chatgpt-4o-latest": "7.5",
    "openai/gpt-3.5-turbo": "0.75", "openai/gpt-3.5-turbo-0125": "0.75",
    "openai/gpt-3.5-turbo-0613": "1.0", "openai/gpt-3.5-turbo-1106": "1.0",
    "openai/gpt-3.5-turbo-16k": "2.0", "openai/gpt-3.5-turbo-instruct": "1.0",
    "openai/gpt-4": "30.0", "openai/gpt-4-0314": "30.0", "openai/gpt-4-1106-preview": "15.0",
    "openai/gpt-4-32k": "60.0", "openai/gpt-4-32k-0314": "60.0", "openai/gpt-4-turbo": "15.0",
    "openai/gpt-4-turbo-preview": "15.0", "openai/gpt-4o": "5.0", "openai/gpt-4o-2024-05-13": "7.5",
    "openai/gpt-4o-2024-08-06": "5.0", "openai/gpt-4o-2024-11-20": "5.0", "openai/gpt-4o-mini": "0.3",
    "openai/gpt-4o-mini-2024-07-18": "0.3", "openai/gpt-4o:extended": "9.0", "openai/o1": "30.0",
    "openai/o1-mini": "2.2", "openai/o1-mini-2024-09-12": "2.2", "openai/o1-preview": "30.0",
    "openai/o1-preview-2024-09-12": "30.0", "openai/o3-mini": "2.2", "openai/o3-mini-high": "2.2",
    "openchat/openchat-7b": "0.0275", "openchat/openchat-7b:free": "0.0",
    "openrouter/auto": "-500000.0",
    "perplexity/llama-3.1-sonar-huge-128k-online": "2.5",
    "perplexity/llama-3.1-sonar-large-128k-chat": "0.5",
    "perplexity/llama-3.1-sonar-large-128k-online": "0.5",
    "perplexity/llama-3.1-sonar-small-128k-chat": "0.1",
    "perplexity/llama-3.1-sonar-small-128k-online": "0.1", "perplexity/sonar": "0.5",
    "perplexity/sonar-reasoning": "2.5", "pygmalionai/mythalion-13b": "0.6",
    "qwen/qvq-72b-preview": "0.25", "qwen/qwen-2-72b-instruct": "0.45",
    "qwen/qwen-2-7b-instruct": "0.027", "qwen/qwen-2-7b-instruct:free": "0.0",
    "qwen/qwen-2-vl-72b-instruct": "0.2", "qwen/qwen-2-vl-7b-instruct": "0.05",
    "qwen/qwen-2.5-72b-instruct": "0.2", "qwen/qwen-2.5-7b-instruct": "0.025",
    "qwen/qwen-2.5-coder-32b-instruct": "0.08", "qwen/qwen-max": "3.2", "qwen/qwen-plus": "0.6",
    "qwen/qwen-turbo": "0.1", "qwen/qwen-vl-plus:free": "0.0", "qwen/qwen2.5-vl-72b-instruct:free": "0.0",
    "qwen/qwq-32b-preview": "0.09", "raifle/sorcererlm-8x22b": "2.25", "sao10k/fimbulvetr-11b-v2": "0.6",
    "sao10k/l3-euryale-70b": "0.4", "sao10k/l3-lunaris-8b": "0.03", "sao10k/l3.1-70b-hanami-x1": "1.5",
    "sao10k/l3.1-euryale-70b": "0.4", "sao10k/l3.3-euryale-70b": "0.4",
    "sophosympatheia/midnight-rose-70b": "0.4", "sophosympatheia/rogue-rose-103b-v0.2:free": "0.0",
    "teknium/openhermes-2.5-mistral-7b": "0.085", "thedrummer/rocinante-12b": "0.25",
    "thedrummer/unslopnemo-12b": "0.25", "undi95/remm-slerp-l2-13b": "0.6", "undi95/toppy-m-7b": "0.035",
    "undi95/toppy-m-7b:free": "0.0", "x-ai/grok-2-1212": "5.0", "x-ai/grok-2-vision-1212": "5.0",
    "x-ai/grok-beta": "7.5", "x-ai/grok-vision-beta": "7.5", "xwin-lm/xwin-lm-70b": "1.875",
}

# "<x> * USD": per-image or per-call prices in USD.
_TIMES_USD = {
    "dall-e-2": "0.02", "dall-e-3": "0.04",
    "black-forest-labs/flux-1.1-pro": "0.04", "black-forest-labs/flux-1.1-pro-ultra": "0.06",
    "black-forest-labs/flux-canny-dev": "0.025", "black-forest-labs/flux-canny-pro": "0.05",
    "black-forest-labs/flux-depth-dev": "0.025", "black-forest-labs/flux-depth-pro": "0.05",
    "black-forest-labs/flux-dev": "0.025", "black-forest-labs/flux-dev-lora": "0.032",
    "black-forest-labs/flux-fill-dev": "0.04", "black-forest-labs/flux-fill-pro": "0.05",
    "black-forest-labs/flux-pro": "0.055", "black-forest-labs/flux-redux-dev": "0.025",
    "black-forest-labs/flux-redux-schnell": "0.003", "black-forest-labs/flux-schnell": "0.003",
    "black-forest-labs/flux-schnell-lora": "0.02", "ideogram-ai/ideogram-v2": "0.08",
    "ideogram-ai/ideogram-v2-turbo": "0.05", "recraft-ai/recraft-v3": "0.04",
    "recraft-ai/recraft-v3-svg": "0.08", "stability-ai/stable-diffusion-3": "0.035",
    "stability-ai/stable-diffusion-3.5-large": "0.065",
    "stability-ai/stable-diffusion-3.5-large-turbo": "0.04",
    "stability-ai/stable-diffusion-3.5-medium": "0.035",
    "ibm-granite/granite-20b-code-instruct-8k": "0.100", "ibm-granite/granite-3.0-2b-instruct": "0.030",
    "ibm-granite/granite-3.0-8b-instruct": "0.050", "ibm-granite/granite-8b-code-instruct-128k": "0.050",
    "meta/llama-2-13b": "0.100", "meta/llama-2-13b-chat": "0.100", "meta/llama-2-70b": "0.650",
    "meta/llama-2-70b-chat": "0.650", "meta/llama-2-7b": "0.050", "meta/llama-2-7b-chat": "0.050",
    "meta/meta-llama-3.1-405b-instruct": "9.500", "meta/meta-llama-3-70b": "0.650",
    "meta/meta-llama-3-70b-instruct": "0.650", "meta/meta-llama-3-8b": "0.050",
    "meta/meta-llama-3-8b-instruct": "0.050", "mistralai/mistral-7b-instruct-v0.2": "0.050",
    "mistralai/mistral-7b-v0.1": "0.050", "mistralai/mixtral-8x7b-instruct-v0.1": "0.300",
}

# "<x> / 1000 * USD": USD per 1K tokens.
_PER_K_USD = {
    "claude-instant-1.2": "0.8", "claude-2.0": "8.0", "claude-2.1": "8.0",
    "claude-3-haiku-20240307": "0.25", "claude-3-5-haiku-20241022": "1.0",
    "claude-3-5-haiku-latest": "1.0", "claude-3-sonnet-20240229": "3.0",
    "claude-3-5-sonnet-20240620": "3.0", "claude-3-5-sonnet-20241022": "3.0",
    "claude-3-5-sonnet-latest": "3.0", "claude-3-opus-20240229": "15.0",
    "open-mistral-7b": "0.25", "open-mixtral-8x7b": "0.7", "mistral-small-latest": "2.0",
    "mistral-medium-latest": "2.7", "mistral-large-latest": "8.0", "mistral-embed": "0.1",
    "command-r": "0.5", "command-r-plus": "3.0",
    "deepl-zh": "25.0", "deepl-en": "25.0", "deepl-ja": "25.0", "grok-beta": "5.0",
}

# "<x> / 1000000 * USD": the original's Groq entries (a per-1M price put on the per-1K scale).
_PER_M_USD = {
    "gemma-7b-it": "0.07", "gemma2-9b-it": "0.20", "llama-3.1-70b-versatile": "0.59",
    "llama-3.1-8b-instant": "0.05", "llama-3.2-11b-text-preview": "0.05",
    "llama-3.2-11b-vision-preview": "0.05", "llama-3.2-1b-preview": "0.05",
    "llama-3.2-3b-preview": "0.05", "llama-3.2-90b-text-preview": "0.59", "llama-guard-3-8b": "0.05",
    "llama3-70b-8192": "0.59", "llama3-8b-8192": "0.05",
    "llama3-groq-70b-8192-tool-use-preview": "0.89", "llama3-groq-8b-8192-tool-use-preview": "0.19",
    "mixtral-8x7b-32768": "0.24",
}

# "<x> * MILLI_USD": USD per 1M tokens.
_MILLI_USD = {
    "gemini-pro": "0.25", "gemini-1.0-pro": "0.125", "gemini-1.5-pro": "1.25",
    "gemini-1.5-pro-001": "1.25", "gemini-1.5-pro-experimental": "1.25", "gemini-1.5-flash": "0.075",
    "gemini-1.5-flash-001": "0.075", "gemini-1.5-flash-8b": "0.0375", "gemini-2.0-flash-exp": "0.075",
    "gemini-2.0-flash": "0.15", "gemini-2.0-flash-001": "0.15",
    "gemini-2.0-flash-lite-preview-02-05": "0.075", "gemini-2.0-flash-thinking-exp-01-21": "0.075",
    "gemini-2.0-pro-exp-02-05": "1.25",
    "deepseek-chat": "0.14", "deepseek-reasoner": "0.55",
}

# "<x> * RMB": RMB per 1K tokens.
_TIMES_RMB = {
    "ERNIE-4.0-8K": "0.120", "ERNIE-3.5-8K": "0.012", "ERNIE-3.5-8K-0205": "0.024",
    "ERNIE-3.5-8K-1222": "0.012", "ERNIE-Bot-8K": "0.024", "ERNIE-3.5-4K-0205": "0.012",
    "ERNIE-Speed-8K": "0.004", "ERNIE-Speed-128K": "0.004", "ERNIE-Lite-8K-0922": "0.008",
    "ERNIE-Lite-8K-0308": "0.003", "ERNIE-Tiny-8K": "0.001", "BLOOMZ-7B": "0.004",
    "Embedding-V1": "0.002", "bge-large-zh": "0.002", "bge-large-en": "0.002", "tao-8k": "0.002",
    "glm-zero-preview": "0.01", "glm-4-plus": "0.05", "glm-4-0520": "0.1", "glm-4-airx": "0.01",
    "glm-4-air": "0.0005", "glm-4-long": "0.001", "glm-4-flashx": "0.0001", "glm-4": "0.1",
    "glm-3-turbo": "0.001", "glm-4v-plus": "0.004", "glm-4v": "0.05", "cogview-3-plus": "0.06",
    "cogview-3": "0.1", "cogviewx": "0.5", "charglm-4": "0.001", "emohaa": "0.015",
    "codegeex-4": "0.0001", "embedding-2": "0.0005", "embedding-3": "0.0005",
    "qwen-turbo": "0.0003", "qwen-turbo-latest": "0.0003", "qwen-plus": "0.0008",
    "qwen-plus-latest": "0.0008", "qwen-max": "0.0024", "qwen-max-latest": "0.0024",
    "qwen-max-longcontext": "0.0005", "qwen-vl-max": "0.003", "qwen-vl-max-latest": "0.003",
    "qwen-vl-plus": "0.0015", "qwen-vl-plus-latest": "0.0015", "qwen-vl-ocr": "0.005",
    "qwen-vl-ocr-latest": "0.005", "qwen-math-plus": "0.004", "qwen-math-plus-latest": "0.004",
    "qwen-math-turbo": "0.002", "qwen-math-turbo-latest": "0.002", "qwen-coder-plus": "0.0035",
    "qwen-coder-plus-latest": "0.0035", "qwen-coder-turbo": "0.002", "qwen-coder-turbo-latest": "0.002",
    "qwen-mt-plus": "0.015", "qwen-mt-turbo": "0.001", "qwq-32b-preview": "0.002",
    "qwen2.5-72b-instruct": "0.004", "qwen2.5-32b-instruct": "0.03", "qwen2.5-14b-instruct": "0.001",
    "qwen2.5-7b-instruct": "0.0005", "qwen2.5-3b-instruct": "0.006", "qwen2.5-1.5b-instruct": "0.0003",
    "qwen2.5-0.5b-instruct": "0.0003", "qwen2-72b-instruct": "0.004", "qwen2-57b-a14b-instruct": "0.0035",
    "qwen2-7b-instruct": "0.001", "qwen2-1.5b-instruct": "0.001", "qwen2-0.5b-instruct": "0.001",
    "qwen1.5-110b-chat": "0.007", "qwen1.5-72b-chat": "0.005", "qwen1.5-32b-chat": "0.0035",
    "qwen1.5-14b-chat": "0.002", "qwen1.5-7b-chat": "0.001", "qwen1.5-1.8b-chat": "0.001",
    "qwen1.5-0.5b-chat": "0.001", "qwen-72b-chat": "0.02", "qwen-14b-chat": "0.008",
    "qwen-7b-chat": "0.006", "qwen-1.8b-chat": "0.006", "qwen-1.8b-longcontext-chat": "0.006",
    "qvq-72b-preview": "0.012", "qwen2.5-vl-72b-instruct": "0.016", "qwen2.5-vl-7b-instruct": "0.002",
    "qwen2.5-vl-3b-instruct": "0.0012", "qwen2-vl-7b-instruct": "0.016", "qwen2-vl-2b-instruct": "0.002",
    "qwen-vl-v1": "0.002", "qwen-vl-chat-v1": "0.002", "qwen2-audio-instruct": "0.002",
    "qwen-audio-chat": "0.002", "qwen2.5-math-72b-instruct": "0.004", "qwen2.5-math-7b-instruct": "0.001",
    "qwen2.5-math-1.5b-instruct": "0.001", "qwen2-math-72b-instruct": "0.004",
    "qwen2-math-7b-instruct": "0.001", "qwen2-math-1.5b-instruct": "0.001",
    "qwen2.5-coder-32b-instruct": "0.002", "qwen2.5-coder-14b-instruct": "0.002",
    "qwen2.5-coder-7b-instruct": "0.001", "qwen2.5-coder-3b-instruct": "0.001",
    "qwen2.5-coder-1.5b-instruct": "0.001", "qwen2.5-coder-0.5b-instruct": "0.001",
    "text-embedding-v1": "0.0007", "text-embedding-v3": "0.0007", "text-embedding-v2": "0.0007",
    "text-embedding-async-v2": "0.0007", "text-embedding-async-v1": "0.0007",
    "deepseek-r1": "0.002", "deepseek-v3": "0.001", "deepseek-r1-distill-qwen-1.5b": "0.001",
    "deepseek-r1-distill-qwen-7b": "0.0005", "deepseek-r1-distill-qwen-14b": "0.001",
    "deepseek-r1-distill-qwen-32b": "0.002", "deepseek-r1-distill-llama-8b": "0.0005",
    "deepseek-r1-distill-llama-70b": "0.004",
    "hunyuan-turbo": "0.015", "hunyuan-large": "0.004", "hunyuan-large-longcontext": "0.006",
    "hunyuan-standard": "0.0008", "hunyuan-standard-256K": "0.0005", "hunyuan-translation-lite": "0.005",
    "hunyuan-role": "0.004", "hunyuan-functioncall": "0.004", "hunyuan-code": "0.004",
    "hunyuan-turbo-vision": "0.08", "hunyuan-vision": "0.018", "hunyuan-embedding": "0.0007",
    "ChatStd": "0.01", "ChatPro": "0.1",
    "moonshot-v1-8k": "0.012", "moonshot-v1-32k": "0.024", "moonshot-v1-128k": "0.06",
    "Baichuan2-Turbo": "0.008", "Baichuan2-Turbo-192k": "0.016", "Baichuan2-53B": "0.02",
    "abab6.5-chat": "0.03", "abab6.5s-chat": "0.01", "abab6-chat": "0.1", "abab5.5-chat": "0.015",
    "abab5.5s-chat": "0.005",
}

# "<x> / 1000 * RMB": RMB per 1M tokens written on the per-1K scale.
_PER_K_RMB = {
    "yi-34b-chat-0205": "2.5", "yi-34b-chat-200k": "12.0", "yi-vl-plus": "6.0",
    "step-1-8k": "0.005", "step-1-32k": "0.015", "step-1-128k": "0.040", "step-1-256k": "0.095",
    "step-1-flash": "0.001", "step-2-16k": "0.038", "step-1v-8k": "0.005", "step-1v-32k": "0.015",
}


def _build_model_ratio() -> dict:
    exact = {}
    exact.update(_scaled(_PLAIN, F(1)))
    exact.update(_scaled(_TIMES_USD, USD))
    exact.update(_scaled(_PER_K_USD, USD / 1000))
    exact.update(_scaled(_PER_M_USD, USD / 1000000))
    exact.update(_scaled(_MILLI_USD, MILLI_USD))
    exact.update(_scaled(_TIMES_RMB, RMB))
    exact.update(_scaled(_PER_K_RMB, RMB / 1000))
    # AWS Bedrock llama3 (channel type 33): "$ per 1K / 0.002".
    exact["llama3-8b-8192(33)"] = F("0.0003") / F("0.002")
    exact["llama3-70b-8192(33)"] = F("0.00265") / F("0.002")
    return {name: float(value) for name, value in exact.items()}


LEGACY_MODEL_RATIO: dict = _build_model_ratio()

LEGACY_COMPLETION_RATIO: dict = {
    "llama3-8b-8192(33)": float(F("0.0006") / F("0.0003")),
    "llama3-70b-8192(33)": float(F("0.0035") / F("0.00265")),
    "whisper-1": 0.0,  # only input tokens are counted
    "deepseek-chat": float(F("0.28") / F("0.14")),
    "deepseek-reasoner": float(F("2.19") / F("0.55")),
}

# The original's unknown-model ratio (it also logs "model ratio not found").
LEGACY_UNKNOWN_MODEL_RATIO = 30.0

_REPLICATE_COMPLETION = {
    "ibm-granite/granite-20b-code-instruct-8k": 5.0,
    "ibm-granite/granite-3.0-2b-instruct": 8.333333333333334,
    "ibm-granite/granite-3.0-8b-instruct": 5.0,
    "ibm-granite/granite-8b-code-instruct-128k": 5.0,
    "meta/llama-2-13b": 5.0, "meta/llama-2-13b-chat": 5.0, "meta/llama-2-7b": 5.0,
    "meta/llama-2-7b-chat": 5.0, "meta/meta-llama-3-8b": 5.0, "meta/meta-llama-3-8b-instruct": 5.0,
    "meta/llama-2-70b": float(F("2.750") / F("0.650")),
    "meta/llama-2-70b-chat": float(F("2.750") / F("0.650")),
    "meta/meta-llama-3-70b": float(F("2.750") / F("0.650")),
    "meta/meta-llama-3-70b-instruct": float(F("2.750") / F("0.650")),
    "meta/meta-llama-3.1-405b-instruct": 1.0,
    "mistralai/mistral-7b-instruct-v0.2": 5.0, "mistralai/mistral-7b-v0.1": 5.0,
    "mistralai/mixtral-8x7b-instruct-v0.1": float(F("1.000") / F("0.300")),
}

_NAMED_COMPLETION = {
    "llama2-70b-4096": float(F("0.8") / F("0.64")),
    "llama3-8b-8192": 2.0,
    "llama3-70b-8192": float(F("0.79") / F("0.59")),
    "command": 2.0, "command-light": 2.0, "command-nightly": 2.0, "command-light-nightly": 2.0,
    "command-r": 3.0, "command-r-plus": 5.0, "grok-beta": 3.0,
    **_REPLICATE_COMPLETION,
}


def legacy_completion_rule(name: str) -> float:
    """The original's name-based completion ratio, used when no table has the model."""
    if name.startswith("gpt-3.5"):
        if name == "gpt-3.5-turbo" or name.endswith("0125"):
            return 3.0
        if name.endswith("1106"):
            return 2.0
        return 4.0 / 3.0
    if name.startswith("gpt-4"):
        if name.startswith("gpt-4o"):
            return 3.0 if name == "gpt-4o-2024-05-13" else 4.0
        if name.startswith("gpt-4-turbo") or name.endswith("preview"):
            return 3.0
        return 2.0
    if name.startswith("o1"):
        return 4.0
    if name == "chatgpt-4o-latest":
        return 3.0
    if name.startswith("claude-3"):
        return 5.0
    for prefix, value in (("claude-", 3.0), ("mistral-", 3.0), ("gemini-", 3.0), ("deepseek-", 2.0)):
        if name.startswith(prefix):
            return value
    return _NAMED_COMPLETION.get(name, 1.0)


def normalize_for_ratio(name: str) -> str:
    """The original strips ``-internet`` from qwen-* and command-* names for the model ratio."""
    if name.endswith("-internet") and (name.startswith("qwen-") or name.startswith("command-")):
        return name[: -len("-internet")]
    return name


def normalize_for_completion(name: str) -> str:
    """For the completion ratio the original strips ``-internet`` from qwen-* names only."""
    if name.startswith("qwen-") and name.endswith("-internet"):
        return name[: -len("-internet")]
    return name
