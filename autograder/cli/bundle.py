"""``python -m autograder student-bundle LAB OUT.zip``: the lab for students, without secrets."""
from __future__ import annotations

from pathlib import Path

from ..lab import installed_labs, load_lab


def add_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "student-bundle", help="zip a lab's released notebook, its pytest file and the public grader for students",
        description="Zip what a student needs to do a lab and check it offline: the released assignment folder, "
                    "the grader's public part and pinned requirements. Run from the course root (the folder "
                    "holding release/ and requirements.txt).")
    parser.add_argument("lab", metavar="LAB", choices=installed_labs(), help="the lab (the nbgrader assignment)")
    parser.add_argument("out", metavar="OUT.zip", help="the zip file to write")
    parser.add_argument("--release", metavar="DIR", help="the released assignment folder (default: release/LAB)")
    parser.add_argument("--requirements", default="requirements.txt", metavar="FILE",
                        help="the kit's pinned requirements, for the students' pins (default: %(default)s)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..bundle import build_bundle

    lab = load_lab(args.lab)
    bundle = build_bundle(args.out, lab, args.release or Path("release") / lab.name, args.requirements)
    print(f"wrote {bundle.path} ({bundle.size / 1024:.0f} KB, {len(bundle.files)} files); checked: no hidden "
          "check, no solution code")
    for name in bundle.files:
        if "/autograder/" not in name:
            print(f"  {name}")
    print(f"  {lab.name}/autograder/ ({sum('/autograder/' in n for n in bundle.files)} files: the public checks "
          "and what runs them)")
    return 0
