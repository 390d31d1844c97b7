"""shared_prefix: how much of a history is still the very objects seen last time."""

import random

import pytest

from nemotron_agents.models._prefix import shared_prefix


def _slow(seen, messages):
    done = 0
    while done < min(len(seen), len(messages)) and seen[done] is messages[done]:
        done += 1
    return done


@pytest.mark.parametrize("seed", range(50))
def test_shared_prefix_matches_a_plain_walk_on_random_histories(seed):
    rng = random.Random(seed)
    seen = [object() for _ in range(rng.randrange(0, 30))]
    messages = list(seen[: rng.randrange(0, len(seen) + 1)])
    if messages and rng.random() < 0.5:
        messages[rng.randrange(len(messages))] = object()  # rewritten in place
    messages += [object() for _ in range(rng.randrange(0, 5))]
    assert shared_prefix(seen, messages) == _slow(seen, messages)


def test_equal_but_not_identical_messages_do_not_count():
    assert shared_prefix([[1]], [[1]]) == 0
    same = [1]
    assert shared_prefix([same, [2]], [same, [2]]) == 1
