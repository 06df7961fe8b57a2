import datetime

from hypothesis import given
from hypothesis import strategies as st

from openphb.organisations import rules

APRIL_2013 = datetime.date(2013, 4, 1)
JULY_2022 = datetime.date(2022, 7, 1)
# PCT 1 -> NHS CB 2 (2013); CCG 3 -> ICB 4 (2022)
SUCCESSIONS = {1: (2, APRIL_2013), 3: (4, JULY_2022)}


def test_an_organisation_answers_for_itself_before_its_succession():
    assert rules.successor_on(1, datetime.date(2013, 3, 31), SUCCESSIONS) == 1


def test_the_successor_answers_from_the_day_the_succession_takes_effect():
    assert rules.successor_on(1, APRIL_2013, SUCCESSIONS) == 2


def test_it_follows_a_chain_of_successions_to_the_date_asked():
    chain = {1: (2, APRIL_2013), 2: (5, JULY_2022)}
    assert rules.successor_on(1, datetime.date(2020, 1, 1), chain) == 2
    assert rules.successor_on(1, datetime.date(2023, 1, 1), chain) == 5


def test_the_board_answers_for_itself_and_every_pct_it_took_over():
    assert rules.answering_for({2}, datetime.date(2014, 1, 1), SUCCESSIONS) == {1, 2}
    assert rules.answering_for({2}, datetime.date(2012, 1, 1), SUCCESSIONS) == {2}


def test_it_spots_a_succession_that_would_loop():
    assert rules.would_make_a_cycle(4, 3, SUCCESSIONS)
    assert not rules.would_make_a_cycle(5, 3, SUCCESSIONS)


@given(
    st.dictionaries(
        st.integers(1, 12),
        st.tuples(
            st.integers(1, 12), st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 1, 1))
        ),
        max_size=12,
    ),
    st.integers(1, 12),
    st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 1, 1)),
)
def test_whoever_answers_for_an_organisation_counts_it_among_those_it_answers_for(
    successions, organisation, day
):
    answering = rules.successor_on(organisation, day, successions)
    assert organisation in rules.answering_for({answering}, day, successions)
