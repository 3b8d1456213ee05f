"""Who may see and change offers and needs."""

from sem.market.models import Post
from sem.members import policy as members_policy


def can_post(person) -> bool:
    return members_policy.can_act(person)


def can_edit(person, post: Post) -> bool:
    """The owner organisation's people (while it may act), or a coordinator."""
    return members_policy.is_coordinator(person) or (
        members_policy.can_act(person) and person.organisation_id == post.organisation_id)


def can_view(person, post: Post) -> bool:
    """Open posts of members are public; others only to their organisation and coordinators."""
    if post.is_open and post.organisation.is_approved:
        return True
    return members_policy.belongs_to(person, post.organisation) or members_policy.is_coordinator(person)
