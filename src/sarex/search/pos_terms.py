"""The probability-of-success numbers sarex reports: one name and one definition each.

Every output (console, plan.json, scores.json, SAP, reports) labels these numbers
with :data:`POS_TERMS` so that the same number carries the same name
everywhere, and explains them with :func:`pos_glossary`.

* ``pos_planner`` — *planner estimate*: the planner's own objective. Each unit's
  effort W·T is spread evenly over its area A and its time on task (coverage
  C = W·T/A); a particle that spends the fraction f of that time inside the area
  is detected with POD(C·f) (:mod:`sarex.planning.coverage`).
* ``pos_planned`` — *planned-tracks POS*: the planned pattern legs (waypoints and
  their times) flown against the drifting particles with the detection model's
  lateral range curve (:func:`sarex.search.detection.pod_along_tracks`). Legs in
  order, so usually below the planner estimate for a moving cloud.
* ``pos_alive`` — *POS of survivors*: the planner estimate with each particle's
  weight times its probability of being alive in the middle of the period (a case
  with a survival model): the probability the person is found alive.
* ``pos_sailed`` — *sailed-tracks POS*: the same for the tracks the units sailed
  (turns on arcs, track-keeping); the Bayesian update uses this one.
* ``stone_reference_pos`` — *Stone static optimum*: Stone's optimal allocation of
  the same total effort, with the same detection model, on the period-mean
  probability grid (:mod:`sarex.planning.optimal`). It is the best any plan can
  do for a cloud that does not move during the period, on that grid; for a
  drifting cloud a plan that follows the drift can beat it, so it is a
  reference, not a bound.

Per unit (plan.json, SAP): ``pos`` is the probability that this unit detects the
object while no unit searched before it in the plan's order has (the unit's
*marginal* share: the units' values add up to the plan's ``pos_planner``);
``poc`` is the probability the object is in the unit's area during its time on
task; ``pod = pos / poc``. Areas of different units never overlap, but a
drifting particle can pass through two areas, so the POCs may add up to more
than the probability that the object is in any area (``poc_any_area``).
"""

from __future__ import annotations

#: key → (short label, one-line definition)
POS_TERMS: dict[str, tuple[str, str]] = {
    "pos_planner": (
        "planner estimate",
        "the planner's coverage model: each unit's effort W·T spread evenly over its area and time on task, "
        "a particle inside for the fraction f of that time detected with POD(C·f)",
    ),
    "pos_planned": (
        "planned-tracks POS",
        "the planned pattern legs in order, with their times, against the drifting particles (lateral range curve)",
    ),
    "pos_alive": (
        "POS of survivors",
        "the planner estimate for persons alive: each particle's weight times its survival probability in the middle "
        "of the period (a case with a survival model) times its POD",
    ),
    "pos_sailed": (
        "sailed-tracks POS",
        "the tracks the units sailed (turns included) against the drifting particles; the Bayesian update uses this",
    ),
    "stone_reference_pos": (
        "Stone static optimum",
        "Stone's optimal allocation of the same effort and detection model on the period-mean probability grid: "
        "the best for a cloud that does not move; a plan that follows the drift can exceed it",
    ),
    "cumulative_pos": (
        "cumulative POS",
        "probability that any search so far would have detected the object (sailed tracks)",
    ),
}


def label(key: str) -> str:
    """The short label of a POS number (e.g. ``"planner estimate"``)."""
    return POS_TERMS[key][0]


def pos_glossary(keys: tuple[str, ...] = ("pos_planner", "pos_planned", "pos_sailed", "stone_reference_pos")) -> list[str]:
    """``"label: definition"`` lines for the given POS numbers."""
    return [f"{POS_TERMS[k][0]}: {POS_TERMS[k][1]}" for k in keys]
