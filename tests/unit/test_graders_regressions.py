"""One test per grading bug reported in issues #10 and #14, named after the bug."""

from __future__ import annotations

from graders import grade, infer_kind


def test_a_radical_is_not_graded_by_its_leading_digit() -> None:
    g = grade(answer=r"4\sqrt2", reference="4")
    assert (g.verdict, g.extracted) == ("zero", "5.656854249")


def test_a_polynomial_is_not_an_integer_reference() -> None:
    assert infer_kind("3x^4") == "expression"
    assert grade(answer="3x^4", reference="3x^3").verdict == "zero"


def test_two_exact_fractions_get_no_decimal_tolerance() -> None:
    assert grade(answer="63/400", reference="64/400").verdict == "zero"


def test_minus_infinity_is_not_infinity() -> None:
    assert grade(answer="-oo", reference="oo").verdict == "zero"
    assert grade(answer=r"-\infty", reference=r"\infty").verdict == "zero"
    assert grade(answer=r"-\infty", reference=r"\infty", kind="expression").verdict == "zero"


def test_a_power_tower_is_not_read_as_its_first_power() -> None:
    g = grade(answer="10**10**10**10", reference="10000000000")
    assert g.verdict == "zero"
    assert g.extracted != "10000000000"


def test_a_cut_off_response_gets_no_answer_from_its_reasoning() -> None:
    g = grade(answer="Let me compute. First 12 * 3 = 36, then we add", reference="36")
    assert g.verdict == "needs_human"


def test_a_tuple_never_equals_a_set() -> None:
    assert grade(answer="(3,1)", reference=r"\{1,3\}").verdict == "zero"


def test_a_unit_exponent_is_not_the_answer() -> None:
    assert grade(answer="The area is 12 m²", reference="2").verdict == "zero"
    assert grade(answer="The area is 12 m²", reference="12").verdict == "full"


def test_a_value_named_differently_is_not_the_same_answer() -> None:
    assert grade(answer="x=2", reference="y=2").verdict == "zero"


def test_an_expression_answer_is_compared_by_value() -> None:
    assert grade(answer="(9+1)", reference="10").verdict == "full"


def test_approximately_is_not_an_equation() -> None:
    assert grade(answer=r"2\sqrt{2} \approx 2.83", reference=r"2\sqrt{2}").verdict == "full"


def test_a_leading_minus_is_a_sign_not_a_bullet() -> None:
    assert grade(answer="- 5", reference="5").verdict == "zero"
    assert grade(answer="- 5", reference="-5").verdict == "full"


def test_a_worked_solution_reference_means_its_boxed_answer() -> None:
    reference = "Adding the equations gives 2x = 10, so x = 5.\nTherefore $\\boxed{5}$."
    assert grade(answer="5", reference=reference).verdict == "full"


def test_a_later_correction_wins_over_an_earlier_box() -> None:
    answer = "So \\boxed{3}. Wait, that used the wrong sign. Final answer: 4"
    assert grade(answer=answer, reference="4").verdict == "full"


def test_an_equation_chain_means_its_last_right_side() -> None:
    assert grade(answer="x = 5+5+1 = 11", reference="11").verdict == "full"


def test_options_called_false_are_not_chosen() -> None:
    question = "Which of the following is(are) correct?\n(A) p (B) q (C) r (D) s"
    g = grade(answer="Options A and C are false.", reference="B,D", question=question)
    assert g.verdict == "needs_human"


def test_several_values_are_not_one_number() -> None:
    for answer in ("1, 2", r"\boxed{1, 2}", "The roots are 1 and 2.", "(3, 4)", "x = 1 or x = 2"):
        g = grade(answer=answer, reference="1" if "3" not in answer else "3")
        assert g.verdict == "zero", (answer, g.reason)
