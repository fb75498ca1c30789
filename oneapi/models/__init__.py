"""Peewee models mirroring the original One API tables (and the fork's additions)."""
from oneapi.models.ability import Ability
from oneapi.models.channel import Channel
from oneapi.models.cost import UserRequestCost
from oneapi.models.log import Log
from oneapi.models.option import Option
from oneapi.models.redemption import Redemption
from oneapi.models.stored_response import StoredResponse
from oneapi.models.token import Token
from oneapi.models.token_transaction import TokenTransaction
from oneapi.models.user import User

MAIN_MODELS = (Channel, Token, User, Option, Redemption, Ability, UserRequestCost, TokenTransaction,
               StoredResponse)
LOG_MODELS = (Log,)

__all__ = ["Ability", "Channel", "Log", "Option", "Redemption", "StoredResponse", "Token", "TokenTransaction", "User",
           "UserRequestCost", "MAIN_MODELS", "LOG_MODELS"]
