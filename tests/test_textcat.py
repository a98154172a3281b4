"""The spaCy textcat_multilabel candidate: shape, range, a sensible ranking and seeded reproducibility.

The clauses are invented for this test (three labels: wages, social security, joint committee).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy

from pipeline.textcat import DEFAULT_CONFIG, SpacyTextcatClassifier

LABELS = ["wages", "social_security", "joint_committee", "never_seen"]

WAGES = [
    "The worker shall receive a monthly salary paid in cash or by bank transfer.",
    "Overtime work shall be paid at one and a half times the normal hourly wage.",
    "The employer shall pay the wage agreed in the contract no later than the fifth day of each month.",
    "Wages shall not be lower than the minimum wage of the receiving country.",
    "Le salaire du travailleur est versé chaque mois sur son compte bancaire.",
    "Deductions from the salary are allowed only where the law of the host country permits them.",
    "The monthly wage and any allowances shall be written in the employment contract.",
    "Het loon wordt maandelijks betaald en mag niet lager zijn dan het minimumloon.",
    "Der Lohn wird monatlich gezahlt und darf den Mindestlohn nicht unterschreiten.",
    "El salario se pagará mensualmente y no será inferior al salario mínimo.",
]
SOCIAL_SECURITY = [
    "Migrant workers shall be covered by the social security system of the host country.",
    "Contributions to pension insurance shall be paid by the employer and the worker.",
    "Periods of insurance completed in either country shall be added together for pension rights.",
    "The worker is entitled to sickness benefits and health insurance under national law.",
    "Les travailleurs bénéficient de la sécurité sociale et de l'assurance maladie du pays d'accueil.",
    "Benefits for accidents at work shall be paid under the social insurance scheme.",
    "Pension benefits may be exported to the country of origin when the worker returns.",
    "De werknemer is verzekerd voor ziekte en pensioen volgens de sociale zekerheid.",
    "Der Arbeitnehmer ist in der Sozialversicherung und Krankenversicherung versichert.",
    "El trabajador estará cubierto por la seguridad social y el seguro de enfermedad.",
]
JOINT_COMMITTEE = [
    "The Parties shall establish a joint committee to monitor the implementation of this Agreement.",
    "The joint committee shall meet once a year, alternately in each country.",
    "The committee shall be composed of representatives of the ministries of labour of both Parties.",
    "Disputes about the interpretation of this Agreement shall be referred to the joint committee.",
    "Un comité mixte est créé pour suivre l'application du présent accord.",
    "The joint working group shall review the recruitment figures and report to the ministers.",
    "The committee may adopt its own rules of procedure at its first meeting.",
    "Er wordt een gemengde commissie opgericht die jaarlijks bijeenkomt.",
    "Ein gemeinsamer Ausschuss überwacht die Durchführung dieses Abkommens.",
    "Se crea una comisión mixta que se reunirá una vez al año.",
]
TEXTS = WAGES + SOCIAL_SECURITY + JOINT_COMMITTEE
Y = np.zeros((len(TEXTS), len(LABELS)), dtype=int)
for row in range(len(TEXTS)):
    Y[row, row // 10] = 1
HELD_OUT_WAGE = "The employer shall pay the salary of the worker every month, including overtime."


@pytest.fixture(scope="module")
def small_batches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped config with batches of 4: with 30 clauses, its batches of 32 give one update an epoch."""
    config = spacy.util.load_config(DEFAULT_CONFIG)
    config["training"]["batcher"]["size"] = 4
    path = tmp_path_factory.mktemp("textcat") / "textcat_multilabel.cfg"
    config.to_disk(path)
    return path


@pytest.fixture(scope="module")
def fitted(small_batches: Path) -> SpacyTextcatClassifier:
    return SpacyTextcatClassifier(labels=LABELS, seed=3, config_path=small_batches).fit(TEXTS, Y)


def test_probabilities_have_one_column_per_label_and_lie_in_0_1(fitted):
    proba = fitted.predict_proba([HELD_OUT_WAGE, "Article 1"])
    assert proba.shape == (2, len(LABELS))
    assert ((proba >= 0) & (proba <= 1)).all()
    # a label without positives in training is not trained and scores 0
    assert fitted.trained_labels_ == LABELS[:3]
    assert (proba[:, LABELS.index("never_seen")] == 0).all()
    assert fitted.predict_proba([]).shape == (0, len(LABELS))


def test_a_held_out_wage_clause_scores_highest_for_wages(fitted):
    wage, social, committee, _ = fitted.predict_proba([HELD_OUT_WAGE])[0]
    assert wage > social and wage > committee


def test_the_same_seed_gives_identical_probabilities(fitted, small_batches):
    again = SpacyTextcatClassifier(labels=LABELS, seed=3, config_path=small_batches).fit(TEXTS, Y)
    probe = [HELD_OUT_WAGE, SOCIAL_SECURITY[0], "Un comité se réunit."]
    np.testing.assert_array_equal(again.predict_proba(probe), fitted.predict_proba(probe))


def test_predicting_before_fitting_is_an_error():
    with pytest.raises(RuntimeError):
        SpacyTextcatClassifier(labels=LABELS).predict_proba(["text"])
