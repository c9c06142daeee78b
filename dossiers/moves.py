"""One workflow move by name with its validated form data (``forms.MOVE_FORMS``): the dossier
screen and the JSON API (``parindex.api``) both call ``perform``, so a move means the same thing
whichever door it came through. The moves themselves live in ``workflow``."""

from __future__ import annotations

from dossiers import workflow
from dossiers.models import Dossier, Rating


def perform(name: str, dossier: Dossier, data: dict, *, by) -> None:
    """Run move ``name``; raises ``workflow.WorkflowError`` when the workflow refuses it."""
    at = data["at"]
    if name == "accept_transfer":
        workflow.accept_transfer(dossier, by=by, at=at)
    elif name == "refuse_transfer":
        workflow.refuse_transfer(dossier, by=by, at=at, reason=data["reason"], to_ward=data.get("to_ward"))
    elif name == "start":
        workflow.start(dossier, by=by, at=at)
    elif name == "request_supplement":
        workflow.request_supplement(
            dossier,
            by=by,
            at=at,
            items=data["items"],
            stage=data["stage"],
            legal_basis=data["legal_basis"],
        )
    elif name == "resume":
        workflow.resume(dossier, by=by, at=at)
    elif name == "send_to_agency":
        workflow.send_to_agency(
            dossier,
            agency=data["agency"],
            by=by,
            at=at,
            due_date=data["due_date"],
            receiver=data["receiver"],
            electronic=data["electronic"],
            note=data["note"],
        )
    elif name == "return_from_agency":
        workflow.return_from_agency(dossier, by=by, at=at, result_note=data["note"])
    elif name == "resolve":
        workflow.resolve(
            dossier,
            by=by,
            at=at,
            outcome=data["outcome"],
            note=data["note"],
            electronic_result=data["electronic_result"],
            result_synced=data["result_synced"],
        )
    elif name == "return_result":
        workflow.return_result(dossier, by=by, at=at)
    elif name == "reject_at_reception":
        workflow.reject_at_reception(dossier, by=by, at=at, reason=data["reason"])
    elif name == "withdraw":
        workflow.withdraw(dossier, by=by, at=at, reason=data["reason"])
    elif name == "stop":
        workflow.stop(dossier, by=by, at=at, reason=data["reason"], legal_basis=data.get("legal_basis", ""))
    elif name == "extend_verification":
        workflow.extend_verification(dossier, by=by, at=at, reason=data["reason"])
    elif name == "issue_apology":
        workflow.issue_apology(
            dossier,
            by=by,
            at=at,
            reason=data["reason"],
            new_due_date=data["new_due_date"],
            agency_at_fault=data["agency_at_fault"],
        )
    elif name == "request_extension":
        workflow.request_extension(
            dossier,
            by=by,
            at=at,
            reason=data["reason"],
            new_due_at=data["new_due_at"],
            agency_at_fault=data["agency_at_fault"],
        )
    elif name in ("approve_extension", "refuse_extension"):
        workflow.decide_extension(
            dossier, by=by, at=at, approve=name == "approve_extension", note=data["note"]
        )
    elif name == "rate":
        workflow.rate(
            dossier,
            value=data["value"],
            source=Rating.Source.OFFICER,
            at=at,
            comment=data["comment"],
            by=by,
        )
    else:
        raise workflow.WorkflowError(name)
