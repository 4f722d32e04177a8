import pytest

from tests.coaching import factories as cf


@pytest.fixture
def coach(union):
    return cf.make_coach(union=union, username="coach")


@pytest.fixture
def other_coach(other_union):
    return cf.make_coach(union=other_union, username="other_coach")


@pytest.fixture
def program(union, organizer):
    return cf.make_program(union=union, organizer=organizer)


@pytest.fixture
def slot(program, coach):
    return cf.make_slot(program=program, coach=coach)


@pytest.fixture
def learner(db):
    """A trainee with a profile (the shared `trainee` fixture is a bare user)."""
    return cf.make_trainee(username="learner", phone="13812345678")


@pytest.fixture
def other_learner(db):
    return cf.make_trainee(username="other_learner", phone="13912345678")
