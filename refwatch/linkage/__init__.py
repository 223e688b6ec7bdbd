"""Record linkage: which mentions are one person, decided by Splink and confirmed by people.

The functions the CLI and the web app call (documented in docs/linkage.md):

- `run_linkage(workspace, cipher, actor, progress=None)` → `LinkageSummary`
- `review_queue(workspace, cipher, limit)` → list of `PairForReview`
- `decide(workspace, mention_a, mention_b, same, actor, reason, cipher=...)` → `Decision`
- `undo_decision(workspace, decision_id, actor)` → `Decision`
- `explain_person(workspace, cipher, person_id)` → `PersonExplanation`
- `merge_persons(workspace, person_ids, actor, reason, cipher=...)` → `EditResult`
- `split_person(workspace, person_id, mention_ids, actor, reason, cipher=...)` → `EditResult`
- `list_decisions(workspace, cipher)` → list of `Decision`
"""

from refwatch.linkage.decisions import Decision
from refwatch.linkage.edits import EditResult, merge_persons, split_person
from refwatch.linkage.evidence import MentionEvidence
from refwatch.linkage.explain import (
    ComparisonPart,
    PairExplanation,
    PersonExplanation,
    explain_person,
)
from refwatch.linkage.review import (
    PairForReview,
    decide,
    list_decisions,
    review_queue,
    undo_decision,
)
from refwatch.linkage.run import LinkageSummary, Progress, run_linkage
from refwatch.linkage.settings import LinkageConfig

__all__ = [
    "ComparisonPart",
    "Decision",
    "EditResult",
    "LinkageConfig",
    "LinkageSummary",
    "MentionEvidence",
    "PairExplanation",
    "PairForReview",
    "PersonExplanation",
    "Progress",
    "decide",
    "explain_person",
    "list_decisions",
    "merge_persons",
    "review_queue",
    "run_linkage",
    "split_person",
    "undo_decision",
]
