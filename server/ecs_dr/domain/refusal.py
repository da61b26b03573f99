"""The one exception whose text is written for the model."""

from __future__ import annotations


class Refusal(ValueError):
    """A request the server will not carry out as asked: the text says what is wrong and what
    would be valid. Tools turn a Refusal, and only a Refusal, into a message for the model;
    any other exception is a bug and is logged as one.

    It is a ValueError so a pydantic validator may raise it and still be reported as a
    validation error of the argument it checks."""
