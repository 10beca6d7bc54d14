"""Each student's result by task, read from the gradebook and the grader's own records."""

from dataclasses import dataclass, field
from pathlib import Path

from convgrade.contract import Mistake, read_records
from convgrade.reports.tasks import course_tasks, task_of


@dataclass
class TaskScore:
    """Points in one task: given so far, possible, and still waiting for a TA."""

    title: str
    score: float = 0.0
    max_score: float = 0.0
    awaiting: float = 0.0  # points of answers no one has graded yet

    @property
    def lost(self):
        """Points already decided against the student."""
        return self.max_score - self.awaiting - self.score


@dataclass
class NotebookResult:
    """One submitted notebook: its grades by task, and the mistakes the checks named."""

    name: str
    tasks: list
    late_penalty: float = 0.0
    mistakes: list = field(default_factory=list)  # Mistake members, first named first
    awaiting_cells: frozenset = frozenset()  # grade ids of answers waiting for a TA

    @property
    def score(self):
        return sum(task.score for task in self.tasks) - self.late_penalty

    @property
    def max_score(self):
        return sum(task.max_score for task in self.tasks)

    @property
    def awaiting(self):
        return sum(task.awaiting for task in self.tasks)

    def fix_first(self):
        """The first task that lost points, since later tasks build on earlier ones; or None."""
        return next((task for task in self.tasks if task.lost > 0), None)


def grade_awaits_ta(grade):
    """Does this gradebook grade still wait for a person?

    nbgrader flags an answer for manual grading; the formgrader clears the flag when a TA
    saves a score, but a score saved any other way (the Gradebook API) leaves it set, so a
    manual score counts as graded either way.
    """
    return bool(grade.needs_manual_grade) and grade.manual_score is None


def task_scores(grades, tasks):
    """TaskScores in task order from gradebook grades; cells no task names form their own.

    Parameters
    ----------
    grades : iterable of nbgrader.api.Grade
    tasks : list of convgrade.reports.tasks.Task

    Returns
    -------
    list of TaskScore
    """
    titles = task_of(tasks)
    order = [task.title for task in tasks]
    scores = {}
    for grade in grades:
        title = titles.get(grade.name, grade.name)
        if title not in order:
            order.append(title)
        task = scores.setdefault(title, TaskScore(title))
        task.max_score += grade.max_score or 0.0
        if grade_awaits_ta(grade):
            task.awaiting += grade.max_score or 0.0
        else:
            task.score += grade.score or 0.0
    return [scores[title] for title in order if title in scores]


def notebook_mistakes(notebook):
    """The named mistakes in an autograded notebook's records, in the order first named.

    Each failed check names its likeliest mistake, and perhaps others that give the very same
    result on that check's input (`also`). An "also" name counts only if it came with every
    check that named the same likeliest mistake: a flipped 3 x 3 kernel looks transposed on a
    symmetric kernel, but not on the others, whereas a transposed patch and a transposed kernel
    can never be told apart.
    """
    companions = {}  # likeliest mistake -> the "also" names that came with each of its checks
    for _, check in read_records(notebook).checks:
        if check.passed or not isinstance(check.misconception, Mistake):
            # A passed check names only a note ("fix convolve first"): the mistake itself is
            # named by the failed checks of the function that has it.
            continue
        also = {m for m in check.also if isinstance(m, Mistake)}
        seen = companions.setdefault(check.misconception, also)
        seen &= also
    named = []
    for mistake, also in companions.items():
        for name in (mistake, *sorted(also, key=list(Mistake).index)):
            if name not in named:
                named.append(name)
    return named


def notebook_result(gradebook, root, assignment, notebook_name, student, notebook=None):
    """The NotebookResult of one student's notebook; `notebook` is the autograded copy, if any."""
    submitted = gradebook.find_submission_notebook(notebook_name, assignment, student)
    result = NotebookResult(
        name=notebook_name,
        tasks=task_scores(submitted.grades, course_tasks(root, assignment, notebook_name)),
        late_penalty=submitted.late_submission_penalty or 0.0,
        mistakes=notebook_mistakes(notebook) if notebook is not None else [],
        awaiting_cells=frozenset(g.name for g in submitted.grades if grade_awaits_ta(g)),
    )
    return result


def course_root_of(db_url):
    """The folder of a SQLite gradebook (nbgrader's default keeps it in the course root)."""
    prefix = "sqlite:///"
    return Path(db_url[len(prefix) :]).parent if db_url.startswith(prefix) else None
