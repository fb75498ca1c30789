"""Error bodies in each provider's exact wire shape, keyed by an abstract error kind."""
from .wire import json_response

OPENAI = {  # kind -> (message, type, code)
    "bad_request": ("Invalid request: the emulator was asked to reject it (bad400).", "invalid_request_error", None),
    "auth": ("Incorrect API key provided: sk-***. You can find your API key at "
             "https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"),
    "permission": ("You are not allowed to sample from this model", "invalid_request_error", None),
    "not_found": ("The model does not exist or you do not have access to it.", "invalid_request_error",
                  "model_not_found"),
    "rate_limit": ("Rate limit reached for requests. Please try again in 2s.", "requests", "rate_limit_exceeded"),
    "insufficient_quota": ("You exceeded your current quota, please check your plan and billing details.",
                           "insufficient_quota", "insufficient_quota"),
    "server_error": ("The server had an error while processing your request. Sorry about that!", "server_error",
                     None),
    "bad_gateway": ("Bad gateway.", "server_error", None),
    "unavailable": ("The engine is currently overloaded, please try again later.", "server_error", None),
    "timeout": ("Gateway timeout.", "server_error", None),
    "overloaded": ("The engine is currently overloaded, please try again later.", "server_error", None),
}

ANTHROPIC = {  # kind -> (type, message)
    "bad_request": ("invalid_request_error", "Invalid request: the emulator was asked to reject it (bad400)."),
    "auth": ("authentication_error", "invalid x-api-key"),
    "permission": ("permission_error", "Your API key does not have permission to use the specified resource."),
    "not_found": ("not_found_error", "The requested resource could not be found."),
    "rate_limit": ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    "insufficient_quota": ("billing_error", "Your credit balance is too low to access the Anthropic API."),
    "server_error": ("api_error", "Internal server error"),
    "bad_gateway": ("api_error", "Bad gateway"),
    "unavailable": ("api_error", "Service unavailable"),
    "timeout": ("timeout_error", "Request timed out"),
    "overloaded": ("overloaded_error", "Overloaded"),
}

GEMINI = {  # kind -> (status, message)
    "bad_request": ("INVALID_ARGUMENT", "Invalid request: the emulator was asked to reject it (bad400)."),
    "auth": ("UNAUTHENTICATED", "API key not valid. Please pass a valid API key."),
    "permission": ("PERMISSION_DENIED", "The caller does not have permission"),
    "not_found": ("NOT_FOUND", "models/unknown is not found for API version v1beta."),
    "rate_limit": ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    "insufficient_quota": ("RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and "
                                                 "billing details."),
    "server_error": ("INTERNAL", "An internal error has occurred. Please retry or report."),
    "bad_gateway": ("INTERNAL", "Bad gateway."),
    "unavailable": ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    "timeout": ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
    "overloaded": ("UNAVAILABLE", "The model is overloaded. Please try again later."),
}


def openai_error_body(kind, message=None, param=None, code=None, type_=None):
    default_message, default_type, default_code = OPENAI.get(kind, OPENAI["server_error"])
    return {"error": {"message": message or default_message, "type": type_ or default_type, "param": param,
                      "code": code if code is not None else default_code}}


def anthropic_error_body(kind, message=None, request_id="req_emu"):
    err_type, default_message = ANTHROPIC.get(kind, ANTHROPIC["server_error"])
    return {"type": "error", "error": {"type": err_type, "message": message or default_message},
            "request_id": request_id}


def gemini_error_body(status_code, kind, message=None):
    status, default_message = GEMINI.get(kind, GEMINI["server_error"])
    return {"error": {"code": status_code, "message": message or default_message, "status": status}}


def error_response(family, status, kind, message=None, retry_after=None, param=None, code=None):
    headers = {"retry-after": retry_after} if retry_after else {}
    if family == "anthropic":
        body = anthropic_error_body(kind, message)
    elif family == "gemini":
        body = gemini_error_body(status, kind, message)
    else:
        body = openai_error_body(kind, message, param=param, code=code)
    return json_response(body, status=status, headers=headers)


class ApiError(Exception):
    """Raised by a handler to answer with a protocol-shaped error."""

    def __init__(self, status, kind, message=None, param=None, code=None):
        super().__init__(message or kind)
        self.status, self.kind, self.message, self.param, self.code = status, kind, message, param, code
