"""The import page: upload a CSV (customers, orders, products, survey responses, reviews), run the
same importer as `careloop import`, and show the validation report or the summary."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import HTMLResponse, Response

from careloop.audit.service import audit
from careloop.core.errors import FieldError, ValidationFailed
from careloop.feedback.imports import (
    RESPONSE_COLUMNS,
    RESPONSE_REQUIRED,
    REVIEW_COLUMNS,
    REVIEW_REQUIRED,
)
from careloop.imports.bad_rows import SkippedImport, import_skipping_bad_rows
from careloop.imports.guide import KIND_COLUMNS, KindColumns, column_guide, sample_csv
from careloop.imports.reasons import reason_in
from careloop.imports.registry import run_import
from careloop.imports.summary import ImportSummary
from careloop.web.deps import Ctx
from careloop.web.i18n import t
from careloop.web.ui.deps import CurrentStaff, StaffContext, current_staff
from careloop.web.ui.format import format_number
from careloop.web.ui.templating import render

router = APIRouter()

KINDS = ("customers", "orders", "products", "responses", "reviews")
MODES = ("all", "good_rows")
MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
SHOWN_ERRORS = 200
# The columns each kind reads, for the page's guide and sample files (the survey and review
# imports have no Vietnamese header names of their own yet: their English names are shown).
COLUMNS: dict[str, KindColumns] = {
    **KIND_COLUMNS,
    "responses": KindColumns(RESPONSE_COLUMNS, RESPONSE_REQUIRED),
    "reviews": KindColumns(REVIEW_COLUMNS, REVIEW_REQUIRED),
}


def _page(
    request: Request,
    staff: StaffContext,
    *,
    kind: str = "customers",
    errors: list[FieldError] | None = None,
    field_errors: dict[str, str] | None = None,
    summary: ImportSummary | None = None,
    mode: str = "all",
    file_name: str = "",
    skipped: SkippedImport | None = None,
) -> HTMLResponse:
    shown = errors or []
    bad_csv = ""
    if skipped is not None and skipped.bad:
        text = skipped.bad_rows_csv(
            lambda e: _row_error(e, staff.locale), t("import.reason_column", staff.locale)
        )
        # Excel opens a UTF-8 CSV with its accents intact only with the byte order mark.
        bad_csv = base64.b64encode(("\ufeff" + text).encode("utf-8")).decode("ascii")
    return render(
        request,
        "imports/page.html",
        {
            "kinds": KINDS,
            "guides": {k: column_guide(COLUMNS[k], staff.locale) for k in KINDS},
            "kind": kind,
            "modes": MODES,
            "mode": mode,
            "errors": [_error(e, file_name, staff.locale) for e in shown[:SHOWN_ERRORS]],
            "skipped": len(skipped.bad) if skipped is not None else 0,
            "bad_csv": bad_csv,
            "bad_name": f"{Path(file_name).stem or 'import'}-bad-rows.csv",
            "more": max(0, len(shown) - SHOWN_ERRORS),
            "field_errors": field_errors or {},
            "summary": summary_text(summary, staff.locale) if summary else "",
        },
        staff=staff,
        status_code=422 if (shown or field_errors) else 200,
    )


def summary_text(summary: ImportSummary, locale: str) -> str:
    """What the import did, in the staff's language and number format (str(summary) is the
    CLI's English line)."""

    def n(value: int) -> str:
        return format_number(value, locale)

    parts = [
        t(
            "import.summary.rows",
            locale,
            rows=n(summary.rows),
            kind=t(f"import.kind.{summary.kind}", locale),
            file=summary.source,
        )
    ]
    counted = {
        "customers": (summary.customers_new, summary.customers_updated),
        "orders": (summary.orders_new, summary.orders_updated),
        "products": (summary.products_new, summary.products_updated),
    }
    shown = {"customers": ("customers",), "orders": ("customers", "orders")}.get(
        summary.kind, (summary.kind,) if summary.kind in counted else ()
    )
    for name in shown:
        new, updated = counted[name]
        parts.append(t(f"import.summary.{name}", locale, new=n(new), updated=n(updated)))
    if summary.kind == "orders":
        parts.append(t("import.summary.lines", locale, lines=n(summary.lines)))
    return "; ".join(parts)


def _error(error: FieldError, file_name: str, locale: str) -> str:
    """A problem in the reader's language, naming the uploaded file (never where the server
    kept it), the line and the field."""
    reason = reason_in(error.reason, locale)
    if error.line is None:
        return t("import.error_file", locale, file=file_name, field=error.field, reason=reason)
    return t(
        "import.error", locale, file=file_name, line=error.line, field=error.field, reason=reason
    )


def _row_error(error: FieldError, locale: str) -> str:
    reason = reason_in(error.reason, locale)
    return t("import.row_error", locale, line=error.line, field=error.field, reason=reason)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, staff: CurrentStaff) -> HTMLResponse:
    return _page(request, staff)


@router.get("/import/sample/{kind}.csv")
def sample(kind: str, staff: CurrentStaff) -> Response:
    """A file with the header row the import reads, in the staff's language."""
    if kind not in COLUMNS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown kind {kind!r}")
    return Response(
        sample_csv(COLUMNS[kind], staff.locale),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="careloop-{kind}-{staff.locale}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _save(upload: UploadFile, target: Path) -> bool:
    """Copy the upload to `target`; False if it is larger than MAX_BYTES."""
    size = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > MAX_BYTES:
                return False
            out.write(chunk)
    return True


def _signed_in(request: Request, ctx: Ctx) -> StaffContext:
    """The staff member, looked up in a short transaction of its own: the importer writes in
    its own transaction, which must not wait behind this request's (SQLite has one writer)."""
    with ctx.sessions() as session:
        staff = current_staff(request, session, ctx)
    if not staff.can("agent"):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"this needs the agent role; you are {staff.role} in {staff.shop.name}",
        )
    return staff


@router.post("/import", response_class=HTMLResponse)
def upload(
    request: Request,
    ctx: Ctx,
    kind: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "all",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    staff = _signed_in(request, ctx)
    if mode not in MODES:
        mode = "all"
    if kind not in KINDS:
        return _page(request, staff, field_errors={"kind": f"one of {', '.join(KINDS)}"})
    if file is None or not file.filename:
        return _page(request, staff, kind=kind, field_errors={"file": "choose a CSV file"})
    name = Path(file.filename).name
    if name in ("", ".", ".."):
        name = "upload.csv"
    # The importer names rows `file:line`; keep the uploaded file's name in the report.
    folder = Path(tempfile.mkdtemp(prefix="careloop-import-"))
    path = folder / name
    try:
        if not _save(file, path):
            return _page(
                request, staff, kind=kind, field_errors={"file": "larger than 20 MB; split it"}
            )
        skipped = None
        try:
            if mode == "good_rows":
                skipped = import_skipping_bad_rows(ctx, staff.shop, kind, path)
                summary = skipped.summary
            else:
                summary = run_import(ctx, staff.shop, kind, path)
        except ValidationFailed as exc:
            return _page(request, staff, kind=kind, errors=exc.errors, mode=mode, file_name=name)
        summary.source = name  # the uploaded file's name, not where the server kept it
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()
    with ctx.sessions() as session, session.begin():
        audit(
            session=session,
            clock=ctx.clock,
            shop_id=staff.shop.id,
            actor=f"staff:{staff.user.email}",
            action="import.completed",
            target=f"import:{kind}",
            detail={
                "file": name,
                "rows": summary.rows,
                "skipped": len(skipped.bad) if skipped is not None else 0,
            },
            origin=request.client.host if request.client else "",
        )
    return _page(
        request, staff, kind=kind, summary=summary, mode=mode, file_name=name, skipped=skipped
    )
