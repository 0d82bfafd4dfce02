"""Writes for coaches and people: invitations, access levels, client businesses.

Every function names its actor, runs in one transaction and leaves a trace in the business's
history (simple_history), which the activity log reads. Only a SHA-256 hash of an invitation
token is stored; the token itself exists only in the link that is e-mailed (and shown once
to the person who sent it).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Business, Invitation, Membership

logger = logging.getLogger(__name__)

INVITATION_LIFETIME = timedelta(days=7)
COACHES_GROUP = "Coaches"


class CoachError(Exception):
    """A refused action, with a message meant for the person who tried it."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    url: str
    emailed: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "coach:invitation-accept", kwargs={"token": token}
    )


def business_event_record(*, business: Business, actor: User | None, text: str) -> None:
    """Add an event ("Invited ann@example.com as coach") to the business's history.

    The business row itself is not saved: only a historical row carrying the text as its
    change reason is written, so the activity log shows it in order with everything else.
    """
    Business.history.bulk_history_create(
        [business], update=True, default_user=actor, default_change_reason=text[:100]
    )


def _invitation_email_send(invitation: Invitation, url: str) -> bool:
    inviter = invitation.invited_by.email or invitation.invited_by.username
    if invitation.role == Membership.Role.OWNER:
        what = _("to take ownership of %(business)s") % {"business": invitation.business.name}
    else:
        what = _("to coach %(business)s (%(access)s)") % {
            "business": invitation.business.name,
            "access": invitation.get_access_display().lower(),
        }
    body = _(
        "%(inviter)s invited you %(what)s on Outsourcing Desk.\n\n"
        "Open this link to accept (it works once and expires on %(expires)s UTC):\n%(url)s\n\n"
        "Sign up or log in with this e-mail address (%(email)s) to accept.\n"
        "If you did not expect this, ignore this e-mail."
    ) % {
        "inviter": inviter,
        "what": what,
        "expires": invitation.expires_at.strftime("%Y-%m-%d %H:%M"),
        "url": url,
        "email": invitation.email,
    }
    try:
        send_mail(
            _("Invitation to %(business)s") % {"business": invitation.business.name},
            body,
            None,
            [invitation.email],
        )
    except (SMTPException, OSError):
        logger.exception("could not e-mail invitation %s", invitation.pk)
        return False
    return True


def _pending(business: Business) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        business=business,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def invitation_create(
    *,
    business: Business,
    actor: User,
    email: str,
    role: str,
    access: str = Membership.Access.EDIT,
) -> SentInvitation:
    """Invite `email` to `business` as owner or coach, and e-mail the link.

    Owners invite coaches. A coach with edit access invites the owner of a business that has
    none yet (one the coach created). A newer invitation to the same address replaces a
    pending one. The e-mail is sent after the rows are written; if it cannot be sent the
    invitation still stands (`emailed` is False) and its link can be shared by hand.
    """
    email = email.strip().lower()
    with transaction.atomic():
        actor_membership = Membership.objects.filter(business=business, user=actor).first()
        if actor_membership is None:
            raise CoachError(_("You are not a member of this business."), code="forbidden")
        if role == Membership.Role.COACH:
            if actor_membership.role != Membership.Role.OWNER:
                raise CoachError(_("Only the owner can invite coaches."), code="forbidden")
        elif role == Membership.Role.OWNER:
            if not actor_membership.can_edit:
                raise CoachError(_("You have view-only access."), code="forbidden")
            if business.memberships.filter(role=Membership.Role.OWNER).exists():
                raise CoachError(_("This business already has an owner."), code="has_owner")
            access = Membership.Access.EDIT
        else:
            raise CoachError(_("Unknown role."))
        if email == (actor.email or "").lower():
            raise CoachError(_("You cannot invite yourself."), code="self")
        if business.memberships.filter(user__email__iexact=email).exists():
            raise CoachError(
                _("%(email)s is already a member of this business.") % {"email": email},
                code="member",
            )
        now = timezone.now()
        _pending(business).filter(email__iexact=email).update(revoked_at=now)
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            business=business,
            email=email,
            role=role,
            access=access,
            token_hash=token_hash(token),
            invited_by=actor,
            expires_at=now + INVITATION_LIFETIME,
        )
        business_event_record(
            business=business,
            actor=actor,
            text=_("invited %(email)s as %(role)s") % {"email": email, "role": role}
            + (f" ({invitation.get_access_display().lower()})" if role == "coach" else ""),
        )
    url = invitation_url(token)
    return SentInvitation(
        invitation=invitation, url=url, emailed=_invitation_email_send(invitation, url)
    )


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("business", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def invitation_problem(invitation: Invitation | None, user: User | None) -> CoachError | None:
    """Why this invitation cannot be accepted by `user` now (None: it can)."""
    if invitation is None:
        return CoachError(
            _("This invitation link is not valid. Check that you copied the whole link."),
            code="unknown",
        )
    if invitation.revoked_at is not None:
        return CoachError(
            _("This invitation was withdrawn. Ask for a new one if you still need access."),
            code="revoked",
        )
    if invitation.accepted_at is not None:
        return CoachError(
            _("This invitation has already been used. Each link works once."), code="used"
        )
    if invitation.expires_at <= timezone.now():
        return CoachError(
            _("This invitation has expired. Ask %(inviter)s for a new one.")
            % {"inviter": invitation.invited_by.email or invitation.invited_by.username},
            code="expired",
        )
    if user is not None and (user.email or "").lower() != invitation.email.lower():
        return CoachError(
            _(
                "This invitation is for %(email)s, but you are logged in as %(me)s. "
                "Log out and log in (or sign up) as %(email)s to accept it."
            )
            % {"email": invitation.email, "me": user.email or user.username},
            code="wrong_account",
        )
    return None


def invitation_accept(*, token: str, user: User) -> Membership:
    """Accept the invitation behind `token` as `user`; returns the membership.

    Single-use even under concurrent requests: the invitation is marked used with a
    conditional update before the membership is written, inside one transaction.
    Raises CoachError with a reason code when it cannot be accepted.
    """
    with transaction.atomic():
        invitation = invitation_for_token(token)
        problem = invitation_problem(invitation, user)
        if problem is not None:
            raise problem
        if invitation is None:  # unreachable: invitation_problem reports a missing one
            raise CoachError(_("This invitation link is not valid."), code="unknown")
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(accepted_at=now, accepted_by=user)
        if not claimed:
            raise CoachError(
                _("This invitation has already been used. Each link works once."), code="used"
            )
        business = invitation.business
        existing = Membership.objects.filter(business=business, user=user).first()
        if invitation.role == Membership.Role.OWNER:
            owner = business.memberships.filter(role=Membership.Role.OWNER).exclude(user=user)
            if owner.exists():
                raise CoachError(_("This business already has an owner."), code="has_owner")
        if existing is None:
            membership = Membership(
                business=business, user=user, role=invitation.role, access=invitation.access
            )
        else:
            membership = existing
            if invitation.role == Membership.Role.OWNER:
                membership.role = Membership.Role.OWNER
            if membership.role == Membership.Role.COACH:
                membership.access = invitation.access
            else:
                membership.access = Membership.Access.EDIT
        membership._history_user = user  # type: ignore[attr-defined]
        membership._change_reason = "accepted invitation"  # type: ignore[attr-defined]
        membership.save()
        return membership


def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    """Withdraw a pending invitation; its link stops working at once. Idempotent."""
    with transaction.atomic():
        updated = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if updated:
            business_event_record(
                business=invitation.business,
                actor=actor,
                text=_("withdrew the invitation to %(email)s") % {"email": invitation.email},
            )


def membership_access_set(*, membership: Membership, actor: User, access: str) -> Membership:
    """Change a coach's access (edit/view). Takes effect on the coach's next request."""
    if membership.role != Membership.Role.COACH:
        raise CoachError(_("Only a coach's access can be changed."), code="owner")
    if access not in Membership.Access.values:
        raise CoachError(_("Choose edit or view-only access."))
    if membership.access != access:
        membership.access = access
        membership._history_user = actor  # type: ignore[attr-defined]
        membership.save(update_fields=["access"])
    return membership


def membership_revoke(*, membership: Membership, actor: User) -> None:
    """Remove a coach from the business (by the owner, or the coach leaving).

    The owner's membership is never removed here: a coach cannot remove the owner, and the
    owner deletes the whole business instead. Takes effect on the next request.
    """
    if membership.role != Membership.Role.COACH:
        raise CoachError(_("The owner cannot be removed."), code="owner")
    membership._history_user = actor  # type: ignore[attr-defined]
    membership.delete()


def coach_register(user: User) -> None:
    """Mark `user` as a business coach (they see the portfolio even before any client)."""
    group, _created = Group.objects.get_or_create(name=COACHES_GROUP)
    user.groups.add(group)


def user_is_coach(user: User) -> bool:
    return (
        user.memberships.filter(role=Membership.Role.COACH).exists()
        or user.groups.filter(name=COACHES_GROUP).exists()
    )


def client_business_create(
    *,
    coach: User,
    name: str,
    currency: str,
    timezone: str,
    hourly_value: Decimal,
    owner_email: str,
) -> tuple[Business, SentInvitation | None]:
    """A coach creates a client business (as its coach, with edit access) and, when an
    e-mail is given, invites its owner. The owner becomes its owner on accepting."""
    with transaction.atomic():
        business = Business(
            name=name, currency=currency, timezone=timezone, hourly_value=hourly_value
        )
        business._history_user = coach  # type: ignore[attr-defined]
        business.save()
        membership = Membership(
            user=coach,
            business=business,
            role=Membership.Role.COACH,
            access=Membership.Access.EDIT,
        )
        membership._history_user = coach  # type: ignore[attr-defined]
        membership.save()
        coach_register(coach)
        sent = None
        if owner_email:
            sent = invitation_create(
                business=business, actor=coach, email=owner_email, role=Membership.Role.OWNER
            )
    return business, sent
