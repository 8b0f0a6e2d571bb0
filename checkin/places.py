"""Places inside a venue (invariant 3: never more people inside than its capacity), taken and
given back without queueing every gate of a show on the show's row (issue 20).

The show's places_taken is what the capacity bounds, by a conditional UPDATE as before. An
admission does not take its place there one at a time: the shard of its ticket (ticket id
modulo SHARDS) holds a few places in show_places, taken from the show in blocks of BLOCK, and
the admission takes one of those by a conditional UPDATE of that shard's row alone. Two gates'
admissions then meet on one row only when their tickets share a shard, and on the show's row
once a block. Near capacity the show has no block left: a single place is taken, then a place
held by another shard. Places held are never more than SHARDS × BLOCK, and are people inside
for nobody: Show.inside_count is places_taken less the places held.

An exit gives its place back to its shard (up to BLOCK held), else to the show; while the show
has more places taken than its capacity (capacity lowered below the people inside) it goes to
the show, so that no place is held that the capacity does not have. Lowering the capacity
takes every held place back to the show first (release_held).
"""

from __future__ import annotations

from sqlalchemy import BindParameter, ColumnElement, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .models import Show, ShowPlace

SHARDS = 16
BLOCK = 8

_SHOW: BindParameter[int] = bindparam("show")
_TAKE_HELD = (
    update(ShowPlace)
    .where(ShowPlace.show_id == _SHOW, ShowPlace.shard == bindparam("at_shard"), ShowPlace.free > 0)
    .values(free=ShowPlace.free - 1)
)
_TAKE_FROM_SHOW = (
    update(Show)
    .where(Show.id == _SHOW, Show.places_taken + bindparam("n") <= Show.venue_capacity)
    .values(places_taken=Show.places_taken + bindparam("n"))
)
_UNHOLD = (
    update(ShowPlace)
    .where(ShowPlace.show_id == _SHOW, ShowPlace.shard == bindparam("at_shard"))
    .values(free=ShowPlace.free - bindparam("n"))
)
_HELD_ELSEWHERE = select(ShowPlace.shard).where(
    ShowPlace.show_id == _SHOW, ShowPlace.shard != bindparam("at_shard"), ShowPlace.free > 0
)
_GIVE_TO_SHOW_OVER_CAPACITY = (
    update(Show)
    .where(Show.id == _SHOW, Show.places_taken > Show.venue_capacity)
    .values(places_taken=Show.places_taken - 1)
)
_GIVE_HELD = (
    update(ShowPlace)
    .where(ShowPlace.show_id == _SHOW, ShowPlace.shard == bindparam("at_shard"), ShowPlace.free < BLOCK)
    .values(free=ShowPlace.free + 1)
)
_GIVE_TO_SHOW = (
    update(Show).where(Show.id == _SHOW, Show.places_taken > 0).values(places_taken=Show.places_taken - 1)
)


def _hold(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ShowPlace)
    return statement.on_conflict_do_update(
        index_elements=[ShowPlace.show_id, ShowPlace.shard],
        set_={"free": ShowPlace.free + statement.excluded.free},
    )


_HOLD = {name: _hold(name) for name in ("postgresql", "sqlite")}


def take(connection, show_id: int, ticket_id: int) -> bool:
    """One place inside for this ticket; False if the venue is full."""
    shard = ticket_id % SHARDS
    if connection.execute(_TAKE_HELD, {"show": show_id, "at_shard": shard}).rowcount == 1:
        return True
    # The block's other places held first, so that the show's row is locked by the last
    # statement (tests/test_hot_row_last.py); taken back by hand if the show has no block left.
    hold = {"show_id": show_id, "shard": shard, "free": BLOCK - 1}
    connection.execute(_HOLD[connection.dialect.name], hold)
    if connection.execute(_TAKE_FROM_SHOW, {"show": show_id, "n": BLOCK}).rowcount == 1:
        return True
    connection.execute(_UNHOLD, {"show": show_id, "at_shard": shard, "n": BLOCK - 1})
    if connection.execute(_TAKE_FROM_SHOW, {"show": show_id, "n": 1}).rowcount == 1:
        return True
    for other in connection.execute(_HELD_ELSEWHERE, {"show": show_id, "at_shard": shard}).scalars().all():
        if connection.execute(_TAKE_HELD, {"show": show_id, "at_shard": other}).rowcount == 1:
            return True
    return False


def give(connection, show_id: int, ticket_id: int) -> None:
    """The place of this ticket, which was inside, given back."""
    params = {"show": show_id, "at_shard": ticket_id % SHARDS}
    if connection.execute(_GIVE_TO_SHOW_OVER_CAPACITY, params).rowcount == 1:
        return
    if connection.execute(_GIVE_HELD, params).rowcount == 1:
        return
    connection.execute(_GIVE_TO_SHOW, params)


_HELD_LOCKED = (
    select(ShowPlace.shard, ShowPlace.free)
    .where(ShowPlace.show_id == _SHOW, ShowPlace.free > 0)
    .with_for_update()
)


def take_from_show(connection, show_id: int, *, keep: ColumnElement[int]) -> bool:
    """One place straight from the show's capacity less `keep` (read in the same statement),
    for an admission that is no ticket's (a standby pass): every held place goes back to the
    show first, so that the capacity it checks counts only people inside."""
    release_held(connection, show_id)
    taken = connection.execute(
        update(Show)
        .where(Show.id == show_id, Show.places_taken < Show.venue_capacity - keep)
        .values(places_taken=Show.places_taken + 1)
    )
    return bool(taken.rowcount == 1)


def give_to_show(connection, show_id: int) -> None:
    """A place taken by take_from_show, given back."""
    connection.execute(_GIVE_TO_SHOW, {"show": show_id})


def release_held(connection, show_id: int) -> None:
    """Every place held by a shard back to the show (before its capacity changes): the held
    rows locked first, in the order admissions lock them, then the show's row."""
    held = connection.execute(_HELD_LOCKED, {"show": show_id}).all()
    if not held:
        return
    connection.execute(
        update(ShowPlace).where(ShowPlace.show_id == show_id, ShowPlace.free > 0).values(free=0)
    )
    connection.execute(
        update(Show)
        .where(Show.id == show_id)
        .values(places_taken=Show.places_taken - sum(free for _, free in held))
    )
