"""A fake upstream LLM provider that speaks the OpenAI, Azure OpenAI, Anthropic and Gemini wire formats.

    from tests.emulator import start_emulator
    emu = start_emulator()          # gevent.pywsgi in a background thread on a free 127.0.0.1 port
    emu.url                         # "http://127.0.0.1:PORT"; emu.scenario_url("fail500") adds "/s/fail500"
    emu.requests()                  # recorded requests: method, path, api_path, query, headers, json, raw, time,
                                    # status and reply (what the emulator answered, with its usage)
    emu.clear(); emu.stop()

See README.md in this folder for the scenarios and the deterministic answering rules.
"""
from .app import create_app
from .server import Emulator, start_emulator
from .protocols.anthropic import thinking_signature
from .tokens import count_words

__all__ = ["Emulator", "create_app", "start_emulator", "count_words", "thinking_signature"]
