"""Mutation testing of the runtime core: can the test suite tell a planted bug?

``mutation/mutants.toml`` lists realistic bugs, one per entry: the file, the
original snippet, the mutated one, the tests aimed at it, and why a developer
could write it. ``python -m mutation`` plants each one, alone, in a temporary
copy of the tree (never in the checkout itself), runs the aimed tests, and,
only when they all pass, the whole suite. A mutant some test fails on is
*killed*; one the whole suite passes is a *survivor*: a bug the tests would
let through. The score is killed / (killed + survived). The aimed tests must
pass on the unmutated copy first; a test of the whole suite that fails without
any mutant (someone's work in progress) is found by one unmutated run and left
out of the whole-suite runs, so it never passes for a kill.

Usage (from the repository root; CPU-heavy, so not part of the default test run)::

    python -m mutation                  # every mutant, on a copy of the working tree
    python -m mutation --rev HEAD       # on a copy of a commit instead
    python -m mutation --only ID ...    # some mutants (ids from --list)
    python -m mutation --targeted-only  # skip the whole-suite confirmation
    python -m mutation --jobs 2         # mutants in parallel, one tree copy each
    python -m mutation --list           # the mutants, with why each is realistic
    python -m mutation --check          # each snippet still applies and compiles

It exits 0 when every mutant is killed, 1 when any survived, 2 when a snippet
no longer matches the source (a *stale* mutant: update its entry) or when the
test that failed in the whole suite fails without the mutant too (*unknown*:
the suite is broken, which proves nothing about the mutant).

A mutant whose observable behaviour is the same as the original's is
*equivalent*: no test can kill it. Such an entry says so (``equivalent =
"why"``) and is reported apart, never counted as killed.
"""
