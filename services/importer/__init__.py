"""Task-list import: compare a parsed file with the database (preview), then apply in one go.

- `upload`: parse an upload as a task list or an 附件1; preview / apply either kind;
- `uploads`: the use cases the bot and the CLI share (stage, confirm or cancel, import now);
- `plan_year`: which plan year a file is read in;
- `write`: plan an import against the database and write it in the caller's transaction;
- `snapshot`, `people`, `compare`, `structure`: what the plan is made of;
- `preview`: the outcome types; `problems_file`: the full list of problems as a workbook.
"""

from services.importer.keys import TaskKey
from services.importer.plan_year import PlanYear, YearSource, choose_plan_year
from services.importer.preview import (
    PREVIEW_PROBLEMS,
    GroupPlan,
    GroupStatus,
    ImportPreview,
    PersonMerge,
    StructureChanges,
    TaskChange,
)
from services.importer.problems_file import problems_workbook
from services.importer.snapshot import find_hq
from services.importer.upload import (
    Parsed,
    apply_import,
    apply_structure,
    apply_upload,
    parse_upload,
    preview_import,
    preview_upload,
)
from services.importer.uploads import (
    DecisionKind,
    ImportRun,
    RunKind,
    StagedUpload,
    StageKind,
    UploadDecision,
    decide_upload,
    import_file,
    stage_upload,
)

__all__ = [
    "PREVIEW_PROBLEMS",
    "DecisionKind",
    "GroupPlan",
    "GroupStatus",
    "ImportPreview",
    "ImportRun",
    "Parsed",
    "PersonMerge",
    "PlanYear",
    "RunKind",
    "StageKind",
    "StagedUpload",
    "StructureChanges",
    "TaskChange",
    "TaskKey",
    "UploadDecision",
    "YearSource",
    "apply_import",
    "apply_structure",
    "apply_upload",
    "choose_plan_year",
    "decide_upload",
    "find_hq",
    "import_file",
    "parse_upload",
    "preview_import",
    "preview_upload",
    "problems_workbook",
    "stage_upload",
]
