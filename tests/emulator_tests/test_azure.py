"""Azure OpenAI through the official AzureOpenAI client, plus vendor path aliases."""
import json

import openai
import pytest
import requests

from .conftest import WEATHER_TOOL


@pytest.fixture
def azure(emu):
    return openai.AzureOpenAI(azure_endpoint=emu.url, api_key="azure-key", api_version="2024-10-21", max_retries=0)


def test_chat_on_deployment_url_with_api_key_header(azure, fresh):
    result = azure.chat.completions.create(model="my-gpt4o", messages=[{"role": "user", "content": "hi azure"}])
    assert result.choices[0].message.content == "echo: hi azure"
    assert result.prompt_filter_results[0]["content_filter_results"]["hate"]["filtered"] is False
    recorded = fresh.last_request()
    assert recorded["api_path"] == "/openai/deployments/my-gpt4o/chat/completions"
    assert recorded["query"] == {"api-version": "2024-10-21"} and recorded["headers"]["api-key"] == "azure-key"


def test_stream_starts_with_filter_only_chunk(azure):
    chunks = list(azure.chat.completions.create(
        model="dep", stream=True, tools=[WEATHER_TOOL], tool_choice="required",
        messages=[{"role": "user", "content": "Lisbon"}]))
    assert chunks[0].choices == [] and chunks[0].prompt_filter_results
    arguments = "".join(c.choices[0].delta.tool_calls[0].function.arguments
                        for c in chunks if c.choices and c.choices[0].delta.tool_calls)
    assert json.loads(arguments)["location"] == "Lisbon"


def test_other_deployment_tasks(azure):
    embedded = azure.embeddings.create(model="emb", input="hello", encoding_format="float")
    assert len(embedded.data[0].embedding) == 16
    assert azure.completions.create(model="dep", prompt="x y").choices[0].text == "echo: x y"


def test_api_version_and_key_are_required(emu):
    url = emu.url + "/openai/deployments/dep/chat/completions"
    body = {"messages": [{"role": "user", "content": "x"}]}
    assert requests.post(url, json=body, headers={"api-key": "k"}).status_code == 404
    assert requests.post(url + "?api-version=2024-10-21", json=body).status_code == 401
    assert requests.post(url + "?api-version=2024-10-21", json=body, headers={"api-key": "k"}).status_code == 200


def test_v1_responses(emu, fresh):
    client = openai.OpenAI(base_url=emu.url + "/openai/v1", api_key="azure-key", max_retries=0)
    created = client.responses.create(model="gpt-5-nano", input="hello azure")
    assert created.output_text == "echo: hello azure"
    assert client.responses.retrieve(created.id).id == created.id
    assert fresh.requests()[0]["api_path"] == "/openai/v1/responses"
    assert len(client.embeddings.create(model="emb", input="x", encoding_format="float").data[0].embedding) == 16


def test_vendor_aliases(emu):
    gemini_compat = requests.post(emu.url + "/v1beta/openai/chat/completions", headers={"Authorization": "Bearer k"},
                                  json={"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "x"}]})
    assert gemini_compat.json()["choices"][0]["message"]["content"] == "echo: x"
    foundry = requests.post(emu.url + "/anthropic/v1/messages", headers={"x-api-key": "k",
                                                                         "anthropic-version": "2023-06-01"},
                            json={"model": "claude", "max_tokens": 9, "messages": [{"role": "user", "content": "y"}]})
    assert foundry.json()["content"][0]["text"] == "echo: y"


def test_azure_errors_keep_openai_shape(emu):
    client = openai.AzureOpenAI(azure_endpoint=emu.url + "/s/rate429", api_key="k", api_version="2024-10-21",
                                max_retries=0)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="dep", messages=[{"role": "user", "content": "x"}])
    assert set(info.value.response.json()["error"]) == {"message", "type", "param", "code"}
