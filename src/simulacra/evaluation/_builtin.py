"""The built-in metrics, in the order the report shows them."""

from __future__ import annotations

from simulacra.evaluation._metric import METRICS

_BUILTIN = {
    # fidelity
    "column_shapes": "simulacra.evaluation.fidelity:ColumnShapes",
    "missing_values": "simulacra.evaluation.fidelity:MissingValues",
    "category_coverage": "simulacra.evaluation.fidelity:CategoryCoverage",
    "range_coverage": "simulacra.evaluation.fidelity:RangeCoverage",
    "validity": "simulacra.evaluation._validity:Validity",
    "pair_trends": "simulacra.evaluation._pairs:PairTrends",
    "mutual_information": "simulacra.evaluation._pairs:MutualInformation",
    "hellinger": "simulacra.evaluation._joint:Hellinger",
    "detection": "simulacra.evaluation._detection:Detection",
    # utility
    "tstr": "simulacra.evaluation.utility:TSTR",
    "importance_agreement": "simulacra.evaluation.utility:ImportanceAgreement",
    # privacy
    "exact_copies": "simulacra.evaluation.privacy:ExactCopies",
    "pii_overlap": "simulacra.evaluation._overlap:PIIOverlap",
    "dcr": "simulacra.evaluation.privacy:DistanceToClosestRecord",
    "membership_inference": "simulacra.evaluation._membership:MembershipInference",
    "singling_out": "simulacra.evaluation._anonymeter:SinglingOut",
    "linkability": "simulacra.evaluation._anonymeter:Linkability",
    "attribute_inference": "simulacra.evaluation._anonymeter:AttributeInference",
    # fairness
    "representation": "simulacra.evaluation.fairness:Representation",
    "fairness_gap": "simulacra.evaluation.fairness:FairnessGap",
}

DEFAULT_METRICS: tuple[str, ...] = tuple(_BUILTIN)

for _name, _path in _BUILTIN.items():
    METRICS.register(_name, _path)
