"""People known to the bot: who they are, their profile and consent, and their roles.

``person`` holds the person's row and the rules about it, ``touch`` the upsert that runs on
every update, ``roles`` the roles and who holds them. Import from here.
"""

from __future__ import annotations

from models.people.person import (
    DISPLAY_NAME_MAX,
    NOTICE_VERSION_KEY,
    PRIVACY_NOTICE_VERSION,
    OnboardingStep,
    Person,
    at_wijk_step,
    clean_display_name,
    effective_notice_version,
    get_person,
    give_consent,
    has_current_consent,
    mark_blocked,
    needs_consent_again,
    notice_version,
    onboarding_step,
    refuse_consent,
    require_person,
    set_home_area,
    set_language,
)
from models.people.roles import (
    Role,
    RoleAssignment,
    Roles,
    blocked_telegram_ids,
    ensure_admins,
    grant_role,
    reachable_admins,
    reviewers_for,
    roles_of,
    same_place,
)
from models.people.touch import (
    touch_person,
    touch_person_with_roles,
)

__all__ = [
    "DISPLAY_NAME_MAX",
    "NOTICE_VERSION_KEY",
    "PRIVACY_NOTICE_VERSION",
    "OnboardingStep",
    "Person",
    "Role",
    "RoleAssignment",
    "Roles",
    "at_wijk_step",
    "blocked_telegram_ids",
    "clean_display_name",
    "effective_notice_version",
    "ensure_admins",
    "get_person",
    "give_consent",
    "grant_role",
    "has_current_consent",
    "mark_blocked",
    "needs_consent_again",
    "notice_version",
    "onboarding_step",
    "reachable_admins",
    "refuse_consent",
    "require_person",
    "reviewers_for",
    "roles_of",
    "same_place",
    "set_home_area",
    "set_language",
    "touch_person",
    "touch_person_with_roles",
]
