"""The import page: upload a CSV (customers, orders, survey responses, reviews), run the
same importer as `careloop import`, and show the validation report or the summary."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import HTMLResponse

from careloop.audit.service import audit
from careloop.core.errors import FieldError, ValidationFailed
from careloop.imports.registry import run_import
from careloop.imports.summary import ImportSummary
from careloop.web.deps import Ctx
from careloop.web.i18n import register_messages
from careloop.web.ui.deps import CurrentStaff, StaffContext, current_staff
from careloop.web.ui.nav import register_nav
from careloop.web.ui.templating import render

router = APIRouter()
register_nav("import", "Import", "Nhập dữ liệu", "/import", min_role="agent", order=85)

KINDS = ("customers", "orders", "responses", "reviews")
MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
SHOWN_ERRORS = 200

register_messages(
    {
        "import.title": {"en": "Import", "vi": "Nhập dữ liệu"},
        "import.subtitle": {
            "en": "Upload a CSV file. Every row is checked first; if any row is wrong, nothing "
            "is imported and the report lists each problem by line.",
            "vi": "Tải lên tệp CSV. Mọi dòng được kiểm tra trước; nếu có dòng sai, không có gì "
            "được nhập và báo cáo liệt kê từng lỗi theo dòng.",
        },
        "import.kind": {"en": "What the file holds", "vi": "Loại dữ liệu"},
        "import.file": {"en": "CSV file (at most 20 MB)", "vi": "Tệp CSV (tối đa 20 MB)"},
        "import.submit": {"en": "Import", "vi": "Nhập"},
        "import.report": {
            "en": "Validation report: nothing was imported",
            "vi": "Báo cáo kiểm tra: chưa nhập gì",
        },
        "import.done": {"en": "Imported", "vi": "Đã nhập"},
        "import.more": {"en": "… and {count} more", "vi": "… và {count} lỗi khác"},
        "import.kind.customers": {"en": "Customers", "vi": "Khách hàng"},
        "import.kind.orders": {"en": "Orders", "vi": "Đơn hàng"},
        "import.kind.responses": {"en": "Survey responses", "vi": "Phản hồi khảo sát"},
        "import.kind.reviews": {"en": "Reviews", "vi": "Đánh giá"},
    }
)


def _page(
    request: Request,
    staff: StaffContext,
    *,
    kind: str = "customers",
    errors: list[FieldError] | None = None,
    field_errors: dict[str, str] | None = None,
    summary: ImportSummary | None = None,
) -> HTMLResponse:
    shown = errors or []
    return render(
        request,
        "imports/page.html",
        {
            "kinds": KINDS,
            "kind": kind,
            "errors": [str(e) for e in shown[:SHOWN_ERRORS]],
            "more": max(0, len(shown) - SHOWN_ERRORS),
            "field_errors": field_errors or {},
            "summary": str(summary) if summary else "",
        },
        staff=staff,
        status_code=422 if (shown or field_errors) else 200,
    )


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, staff: CurrentStaff) -> HTMLResponse:
    return _page(request, staff)


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
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    staff = _signed_in(request, ctx)
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
        try:
            summary = run_import(ctx, staff.shop, kind, path)
        except ValidationFailed as exc:
            return _page(request, staff, kind=kind, errors=exc.errors)
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
            detail={"file": name, "rows": summary.rows},
            origin=request.client.host if request.client else "",
        )
    return _page(request, staff, kind=kind, summary=summary)
