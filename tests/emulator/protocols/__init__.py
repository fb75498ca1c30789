"""Protocol modules; importing each registers its routes on the emulator app."""
from . import gemini_images  # noqa: F401  (before gemini: image model names)
from . import gemini  # noqa: F401  (before OpenAI: /v1/models/x:generateContent)
from . import openai_chat  # noqa: F401
from . import openai_responses  # noqa: F401
from . import anthropic  # noqa: F401
from . import openai_misc  # noqa: F401
from . import openai_media  # noqa: F401
from . import azure  # noqa: F401
from . import billing  # noqa: F401
from . import cohere  # noqa: F401
from . import replicate  # noqa: F401
from . import coze  # noqa: F401
from . import balances_more  # noqa: F401
from . import copilot  # noqa: F401
from . import bfl  # noqa: F401
from . import vendor_paths  # noqa: F401  (last: a catch-all for prefixed chat paths)
