"""Responses API state for channels without it: the gateway stores converted responses (``oneapi_responses``),
replays them for ``previous_response_id``, serves GET/DELETE/cancel/input_items, and runs ``background``
requests itself. See replay.py for the hooks the relay calls."""
from oneapi.relay.responses_state.replay import (for_native, remember, replay_history,  # noqa: F401
                                                  watch_stream)
from oneapi.relay.responses_state import background  # noqa: F401
from oneapi.relay.responses_state.objects import answer as answer_stored  # noqa: F401
