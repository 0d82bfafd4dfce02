"""Settings → Export everything (a zip of CSV files) and Delete business. Owners only."""

from __future__ import annotations

import logging
import tempfile
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import portability
from .portability_forms import BusinessDeleteForm
from .tenancy import owner_business_for
from .types import AuthedRequest

logger = logging.getLogger(__name__)

# Past this size the zip being built spills from memory to a temporary file.
EXPORT_IN_MEMORY_BYTES = 16 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def business_export_view(request: AuthedRequest, business_id: UUID) -> HttpResponseBase:
    business = owner_business_for(request, business_id)
    if request.method == "POST":
        # FileResponse closes the file once it is sent.
        spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_IN_MEMORY_BYTES)  # noqa: SIM115
        summary = portability.business_export_write(business=business, out=spool)
        spool.seek(0)
        logger.info(
            "business exported: id=%s by user id=%s; %s rows in %s files",
            business.pk,
            request.user.pk,
            summary.rows,
            len(summary.files),
        )
        stamp = timezone.now().strftime("%Y%m%d")
        filename = f"{slugify(business.name) or 'business'}-export-{stamp}.zip"
        return FileResponse(
            spool, as_attachment=True, filename=filename, content_type="application/zip"
        )
    lines = portability.business_export_overview(business=business)
    return render(
        request,
        "outsourcing/business_export.html",
        {
            "business": business,
            "data_lines": [line for line in lines if not line.activity],
            "activity_rows": sum(line.rows for line in lines if line.activity),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def business_delete_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = owner_business_for(request, business_id)
    form = BusinessDeleteForm(request.POST if request.method == "POST" else None, business=business)
    if request.method == "POST" and form.is_valid():
        name = business.name
        try:
            portability.business_delete(business=business, actor=request.user)
        except IntegrityError:
            logger.exception("business deletion refused: id=%s", business.pk)
            form.add_error(
                None,
                _(
                    "Another business's records still refer to this one, so nothing was "
                    "deleted. Please contact support."
                ),
            )
        else:
            messages.success(
                request, _("“%(name)s” and all of its data were deleted.") % {"name": name}
            )
            return redirect("outsourcing:home")
    return render(
        request, "outsourcing/business_confirm_delete.html", {"business": business, "form": form}
    )
