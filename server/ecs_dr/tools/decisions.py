"""The decision protocol (DESIGN.md section 4): the user decides, never the model.

A tool that may need decisions declares a `DecisionFlow`. Before the tool body runs, the flow's
resolvers ask the user through MCP form elicitation, when the client declared that capability:
one form per round, one field per open question (`decision_forms.py`), the recommended option
first and preselected. mcp's `Resolve`/`Elicit` carry the form over either protocol generation
(`elicitation/create` mid-call up to 2025-11-25, an input-required result and a retry from
2026-07-28). A later round sees the earlier answers, so the confirmation of the exact
parameters comes after the choices that shape them. Decline or cancel stops the call before
anything is created. A client without the capability is never sent a form; the tool then
answers `needs_decision` with the open prompts, the portable path that always works.

An answer under an id no question of the call asks is refused by name, with the ids that are
valid (`UnaskedDecision`): the workflows read answers lazily, so the caller's answers are
`TrackedAnswers`, which remember which were read; one nobody read, once the workflow has run
(`open_prompts`, `confirmation`, `Settled.refuse_unasked`), answers nothing, and ignoring it would
send an agent round the same question forever.

A confirmation of a change is the user's, never the model's (`confirmation`): a client that
shows forms confirms only in the form, and a confirmation in `decisions` is refused; without
forms, the confirmation is answered under an id bound to the prompt shown (an HMAC with this
process's secret over the session and the exact prompt), which only that prompt reveals.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import secrets
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit, Resolve
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from ecs_dr.domain.arguments import MAX_DECISION_LENGTH, MAX_DECISIONS, check_answers, shown
from ecs_dr.domain.decisions import (
    CANCEL,
    ChoicePrompt,
    chosen,
    is_confirmation,
    without_confirmations,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.tools.decision_forms import answer_form, form_message, form_value

# Choices that reshape the plan (another zone, then no stock there) can open new questions:
# three rounds cover a choice, a choice it leads to, and the confirmation.
DEFAULT_ROUNDS = 3

# This process's secret for confirmation ids: an id made by another server process, or guessed,
# never matches. 128 bits of the HMAC make the id.
_CONFIRMATION_KEY = secrets.token_bytes(32)
CONFIRMATION_ID_HEX = 32
# The streamable HTTP transport's session header (checked by the transport); none on stdio,
# where the process is the session.
SESSION_HEADER = "mcp-session-id"
# A refusal names a confirmation id in full up to this length (a bound one is about 70).
NAMED_ID_CHARACTERS = 100


def _checked_answers(value: Any) -> Any:
    """Bounds checked before pydantic's own validation, whose errors quote a bad key whole."""
    if isinstance(value, Mapping):
        check_answers(value)
    return value


# The bounds sit on the object itself, where a schema-checking client reads them; the values'
# `maxLength` and the object's `maxProperties` are checked first by `check_answers`.
Answers = Annotated[
    dict[str, Annotated[str, Field(max_length=MAX_DECISION_LENGTH)]],
    Field(max_length=MAX_DECISIONS),
]
DecisionsArg = Annotated[
    Answers | None,
    BeforeValidator(_checked_answers),
    Field(description="the user's answers: {decision_id: value}"),
]

OpenQuestions = Callable[
    [Context[Any, Any], Mapping[str, Any], Mapping[str, str]], Awaitable[list[ChoicePrompt]]
]
"""(ctx, tool arguments, answers so far) -> the prompts still unanswered."""


class UnaskedDecision(Refusal):
    """A `decisions` key that answers no question this call asks."""

    def __init__(self, unasked: Sequence[str], valid: Sequence[str]) -> None:
        self.unasked = list(unasked)
        listed = ", ".join(repr(i) for i in sorted(valid)) or "none"
        super().__init__(
            f"decisions carries {_named(unasked)}, which no question of this call asks; the "
            f"choices it asks now: {listed} (besides a confirmation, whose id its prompt shows). "
            "The id may be misspelt, belong to another call or answer a question an earlier "
            "answer made moot: call again with only the ids of the prompts shown. Nothing was "
            "changed."
        )


class TrackedAnswers(Mapping[str, str]):
    """The answers a workflow reads, remembering which ones it read (its value looked up,
    or copied on), so that those it never read can be refused after it ran."""

    def __init__(self, answers: Mapping[str, str], read: set[str], given: Sequence[str]) -> None:
        self._answers = dict(answers)
        self._read = read
        self._given = [k for k in given if not is_confirmation(k)]

    def refuse_unread(self, asked: Sequence[str] = ()) -> None:
        """Refuse the caller's answers to choices that no workflow read in this call; `asked`
        are the ids of the prompts still open. A confirmation is checked by `confirmation`;
        a form's answers answer what the form asked.

        Raises UnaskedDecision naming them and the valid ids.
        """
        unread = [k for k in self._given if k not in self._read]
        if unread:
            raise UnaskedDecision(unread, sorted(self._read | set(asked)))

    def __getitem__(self, decision_id: str) -> str:
        value = self._answers[decision_id]
        self._read.add(decision_id)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._answers)

    def __len__(self) -> int:
        return len(self._answers)

    def __or__(self, other: Mapping[str, str]) -> dict[str, str]:
        return self._answers | dict(other)


class Settled(BaseModel):
    """What the elicitation rounds hand the tool body."""

    model_config = ConfigDict(frozen=True)
    # The ids of the answers a workflow read in this call (through `answers` or `choices`).
    _read: set[str] = PrivateAttr(default_factory=set)

    given: dict[str, str] = Field(default_factory=dict, description="the caller's `decisions`")
    from_form: dict[str, str] = Field(
        default_factory=dict, description="what the user answered in forms"
    )
    stopped: Literal["decline", "cancel"] | None = None
    done: bool = Field(default=False, description="a round found nothing left to ask")

    @property
    def answers(self) -> TrackedAnswers:
        """Every answer, the forms' over the caller's."""
        return TrackedAnswers(self.given | self.from_form, self._read, list(self.given))

    @property
    def choices(self) -> TrackedAnswers:
        """The answers to choices only: a confirmation is read through `confirmation`."""
        answers = without_confirmations(self.given | self.from_form)
        return TrackedAnswers(answers, self._read, list(self.given))

    def refuse_unasked(self) -> None:
        """After the workflow ran and asked nothing more: refuse an answer of the caller's it
        never read (raises UnaskedDecision)."""
        self.answers.refuse_unread()


def can_elicit(ctx: Context[Any, Any]) -> bool:
    """Whether the client declared form elicitation (a bare `elicitation: {}` means form)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def open_prompts(prompts: Sequence[ChoicePrompt], answers: Mapping[str, str]) -> list[ChoicePrompt]:
    """The prompts not answered yet, once the workflow ran with `answers`.

    Raises InvalidDecision for an answer not among the options, and for a call's
    `TrackedAnswers` UnaskedDecision for an answer of the caller's no question asks.
    """
    still_open = [p for p in prompts if chosen(p, answers) is None]
    if isinstance(answers, TrackedAnswers):
        answers.refuse_unread([p.decision_id for p in still_open])
    return still_open


def _answers_of(outcome: ElicitationResult[Any]) -> Settled:
    """One round's outcome as answers: a form's fields, or a round that asked nothing."""
    if not isinstance(outcome, AcceptedElicitation):
        return Settled(stopped=outcome.action)
    data = outcome.data
    if isinstance(data, Settled):
        return data
    if isinstance(data, BaseModel):
        answers = {str(k): form_value(v) for k, v in data.model_dump(by_alias=True).items()}
        return Settled(from_form=answers, stopped="cancel" if CANCEL in answers.values() else None)
    raise TypeError(f"unexpected resolver outcome {type(data).__name__}")


def _merge(
    decisions: Mapping[str, str] | None, rounds: Sequence[ElicitationResult[Any]]
) -> Settled:
    given = dict(decisions or {})
    from_form: dict[str, str] = {}
    done = False
    for outcome in rounds:
        settled = _answers_of(outcome)
        from_form |= settled.from_form
        if settled.stopped is not None:
            return Settled(given=given, from_form=from_form, stopped=settled.stopped)
        done = settled.done
    return Settled(given=given, from_form=from_form, done=done)


def confirmation_id(ctx: Context[Any, Any], prompt: ChoicePrompt) -> str:
    """The id a caller without forms answers `prompt` under: the prompt's own id (which says
    what is confirmed) and an HMAC, keyed with this process's secret, of the transport session
    and the exact prompt (its question, options and every parameter). So it cannot be guessed
    or worked out, is worthless in another session or server process, and covers only the
    parameters shown."""
    headers = ctx.headers or {}
    session = headers.get(SESSION_HEADER, "")
    text = json.dumps(prompt.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    mac = hmac.new(_CONFIRMATION_KEY, f"{session}\n{text}".encode(), hashlib.sha256)
    return f"{prompt.decision_id}_{mac.hexdigest()[:CONFIRMATION_ID_HEX]}"


class Confirmation(BaseModel):
    """Where the user's confirmation of one change stands."""

    model_config = ConfigDict(frozen=True)

    prompt: ChoicePrompt = Field(description="the confirmation as the caller is shown it")
    answer: str | None = Field(description="the user's answer; None until they gave one")
    refused: str | None = Field(
        default=None, description="why a confirmation in `decisions` was not taken"
    )


def _named(decision_ids: Sequence[str]) -> str:
    """Ids as a refusal names them: whole (escaped) when of a confirmation id's length."""
    return ", ".join(repr(i) if len(i) <= NAMED_ID_CHARACTERS else shown(i) for i in decision_ids)


def confirmation(ctx: Context[Any, Any], prompt: ChoicePrompt, settled: Settled) -> Confirmation:
    """The user's answer to `prompt`, taken only where the user gave it: from the form when the
    client shows forms, else under `confirmation_id` (any other confirmation id is refused by
    name, the prompt shown again).

    Raises UnaskedDecision for an answer to a choice the workflow never read, Refusal when a
    client that shows forms passes a confirmation in `decisions`, and InvalidDecision for an
    answer that is not one of the options.
    """
    settled.refuse_unasked()
    given = [k for k in settled.given if is_confirmation(k)]
    if can_elicit(ctx):
        if given:
            raise Refusal(
                f"decisions carries the confirmation {_named(given)}, but "
                "this client can show the question to the user; the confirmation must come from "
                "that form, not from the arguments. Call again without it: the form asks the "
                "user. Nothing was changed."
            )
        return Confirmation(prompt=prompt, answer=chosen(prompt, settled.from_form))
    bound = prompt.model_copy(update={"decision_id": confirmation_id(ctx, prompt)})
    answer = chosen(bound, settled.given)
    if answer is not None or not given:
        return Confirmation(prompt=bound, answer=answer)
    return Confirmation(
        prompt=bound,
        answer=None,
        refused=(
            f"the decision id {_named(given)} is not this confirmation's: its id is made for "
            "the prompt shown in this session, for these parameters only. The prompt is shown "
            "again."
        ),
    )


def confirm_next_step(tool: str, unchanged: str) -> str:
    """What to do with a confirmation prompt: the user answers it, never the model."""
    return (
        "Put the prompt's question to the user as it is, with every parameter it lists, and "
        "let them answer; never answer a confirmation yourself. Then call "
        f"{tool} again with the same arguments plus decisions={{<the prompt's decision_id>: "
        f"<their answer>}}. {unchanged}"
    )


class DecisionFlow:
    """The elicitation rounds of one tool, as a chain of mcp resolvers.

    `arguments` are the tool's parameters the questions depend on (`decisions` included);
    `questions` computes the open prompts from them. The tool takes
    `settled: Annotated[Settled, flow.resolve]` and still re-checks the plan itself: a round
    may be skipped (no capability) or run out.
    """

    def __init__(
        self,
        tool: str,
        arguments: Sequence[str],
        questions: OpenQuestions,
        rounds: int = DEFAULT_ROUNDS,
    ) -> None:
        if "decisions" not in arguments:
            raise TypeError(f"{tool}: a decision flow needs the tool's `decisions` argument")
        self.tool = tool
        self.arguments = tuple(arguments)
        self._questions = questions
        previous: list[Callable[..., Any]] = []
        for n in range(1, rounds + 1):
            previous.append(self._resolver(f"round_{n}", previous, asks=True))
        self.resolve = Resolve(self._resolver("settled", previous, asks=False))

    def _resolver(
        self, name: str, previous: Sequence[Callable[..., Any]], *, asks: bool
    ) -> Callable[..., Any]:
        """A resolver taking the context, the tool's arguments by name and every earlier round.

        mcp reads a resolver's parameters from its signature, so it is built here rather
        than written once per tool.
        """
        earlier = [f"after_{n + 1}" for n in range(len(previous))]
        questions = self._questions
        arguments = self.arguments

        async def resolver(**kwargs: Any) -> Any:
            ctx: Context[Any, Any] = kwargs["ctx"]
            settled = _merge(kwargs["decisions"], [kwargs[e] for e in earlier])
            # A confirmation in the arguments is refused by the tool (`confirmation`): no form
            # is shown only to be refused after.
            confirmed_in_arguments = any(is_confirmation(k) for k in settled.given)
            finished = settled.stopped or settled.done or confirmed_in_arguments
            if not asks or finished or not can_elicit(ctx):
                return settled
            prompts = await questions(ctx, {a: kwargs[a] for a in arguments}, settled.answers)
            if not prompts:
                return settled.model_copy(update={"done": True})
            form = answer_form(prompts, ctx.protocol_version)
            return Elicit(form_message(prompts), form)

        parameters = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY)]
        parameters += [inspect.Parameter(a, inspect.Parameter.KEYWORD_ONLY) for a in arguments]
        parameters += [inspect.Parameter(e, inspect.Parameter.KEYWORD_ONLY) for e in earlier]
        annotations: dict[str, Any] = {"ctx": Context, "return": Any}
        for label, fn in zip(earlier, previous, strict=True):
            annotations[label] = Annotated[ElicitationResult[Any], Resolve(fn)]
        resolver.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        resolver.__annotations__ = annotations
        # mcp keys a round's answers on the wire by module and qualified name.
        resolver.__qualname__ = f"{self.tool}.{name}"
        resolver.__name__ = name
        return resolver
