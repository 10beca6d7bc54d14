"""convgrade: the grader of the Convolutions assignment, one folder per stage of grading.

intake/     vet a submission folder before anything reads it
sandbox/    the bubblewrap sandbox, the sandboxed kernel and the process that runs student code
checks/     the hidden checks' runner, expectations, named mistakes and the reference
autograde/  nbgrader's Autograde step: the preprocessors and exporter it is configured with
batch/      grade a whole class in parallel, resumably, with one gradebook writer
feedback/   pages made from graded notebooks: what may reach a browser, and the writer
reports/    what grading produced, for the instructor
contract.py what the stages agree on: grading records, named mistakes, the library policy
"""
