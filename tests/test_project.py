"""Reading a project's own metadata: the oldest torch it allows, whether it keeps to Keras <= 2.10, and its line
length (never imported or run)."""
import pytest

from adamw_lint.project import legacy_keras, line_length, parse_version, requirement_floor, torch_floor


@pytest.mark.parametrize("requirement,floor", [
    ("torch>=2.1", (2, 1)),
    ("torch==2.3.*", (2, 3)),
    ("torch ~= 2.2.0", (2, 2)),
    ("torch>2.0,<3", (2, 0)),
    ("torch!=2.0,>=1.12", (1, 12)),
    ("Torch[cuda] >= 1.13 ; python_version > '3.8'", (1, 13)),
    ("torch<3", None),
    ("torch", None),
    ("torch @ https://example.org/torch-2.1.0.whl", None),
    ("torchvision>=0.15", None),
    ("pytorch-lightning>=2.0", None),
])
def test_requirement_floor(requirement, floor):
    assert requirement_floor(requirement) == floor


def _project(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "pkg").mkdir(exist_ok=True)
    module = tmp_path / "pkg" / "train.py"
    module.write_text("import torch\n")
    return module


@pytest.mark.parametrize("files,floor", [
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["numpy", "torch>=2.0,<3"]\n'}, (2, 0)),
    ({"pyproject.toml": '[project]\nname = "x"\n[project.optional-dependencies]\ngpu = ["torch==2.4.1"]\n'}, (2, 4)),
    ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\ntorch = "^2.2"\n'}, (2, 2)),
    ({"pyproject.toml": '[tool.poetry.dependencies]\ntorch = {version = ">=1.13", optional = true}\n'}, (1, 13)),
    ({"setup.py": "from setuptools import setup\nREQS = ['torch>=1.12']\nsetup(name='x', install_requires=REQS)\n"}, (1, 12)),
    ({"setup.py": "import os\nos.system('touch pwned')\nsetup(extras_require={'t': ['torch>=2.3']})\n"}, (2, 3)),
    ({"setup.cfg": "[options]\ninstall_requires =\n    numpy\n    torch>=2.1\n"}, (2, 1)),
    ({"requirements.txt": "-r base.txt\n# torch>=1.0\ntorch==2.5.1  # pinned\n",
      "requirements-dev.txt": "torch>=2.2\n", ".git/HEAD": ""}, (2, 2)),
    ({"environment.yml": "dependencies:\n  - python=3.11\n  - pytorch::pytorch=2.1.0=py3.11_cuda\n", ".git/HEAD": ""}, (2, 1)),
    ({"environment.yml": "dependencies:\n  - pip:\n    - torch>=2.6\n", ".git/HEAD": ""}, (2, 6)),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["torch"]\n'}, None),
    ({"pyproject.toml": "this is [not toml"}, None),
    ({"setup.py": "def broken(:\n"}, None),
])
def test_torch_floor_from_the_project_metadata(tmp_path, files, floor):
    module = _project(tmp_path, files)
    assert torch_floor(str(module)) == floor
    assert not (tmp_path / "pwned").exists()  # setup.py is parsed, never run


def test_torch_floor_is_the_lowest_any_file_allows_and_stops_at_the_project_root(tmp_path):
    (tmp_path / "requirements.txt").write_text("torch>=1.8\n")  # above the root: not this project's
    root = tmp_path / "proj"
    root.mkdir()
    module = _project(root, {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["torch>=2.3"]\n',
                             "pkg/requirements.txt": "torch>=2.1\n"})
    assert torch_floor(str(module)) == (2, 1)
    assert torch_floor(str(root)) == (2, 3)


def test_torch_floor_walks_up_once_per_directory(tmp_path, monkeypatch):
    from adamw_lint import project

    walked = []
    original = project._directories
    monkeypatch.setattr(project, "_directories", lambda path: walked.append(path) or original(path))
    module = _project(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["torch>=2.3"]\n'})
    (module.parent / "other.py").write_text("")
    assert [torch_floor(str(p)) for p in (module, module.parent / "other.py", module.parent)] == [(2, 3)] * 3
    assert walked == [str(module.parent)]


@pytest.mark.parametrize("files,legacy", [
    ({"requirements.txt": "tensorflow~=2.8.0\n"}, True),
    ({"requirements.txt": "tensorflow==2.10.1\n"}, True),
    ({"requirements.txt": "tensorflow>=2.4,<2.11\n"}, True),
    ({"requirements.txt": "tensorflow>=2.4,<2.11.0\n"}, True),
    ({"requirements.txt": "tensorflow-gpu<2\n"}, True),
    ({"requirements.txt": "tensorflow==2.9.*\nkeras>=2.4\nnumpy\n"}, True),  # TF 2.9 pins its Keras
    ({"requirements.txt": "keras==2.3.1\n"}, True),  # multi-backend Keras
    ({"setup.py": "from setuptools import setup\nsetup(install_requires=['tensorflow>=1.15,<2'])\n"}, True),
    ({"pyproject.toml": '[tool.poetry.dependencies]\ntensorflow = "~2.9"\n'}, True),
    ({"environment.yml": "dependencies:\n  - tensorflow=2.8\n", ".git/HEAD": ""}, True),
    ({"environment.yml": "dependencies:\n  - tensorflow=2\n", ".git/HEAD": ""}, False),  # conda's =2 is any 2.x
    ({"pyproject.toml": '[tool.poetry.dependencies]\ntensorflow = "2.10.0"\n'}, True),  # Poetry's exact pin
    ({"requirements.txt": "tensorflow<2.11.1\n"}, False),  # 2.11.0 allowed
    ({"requirements.txt": "tensorflow~=2.8\n"}, False),  # any 2.x from 2.8
    ({"requirements.txt": "tensorflow>=2.4\n"}, False),
    ({"requirements.txt": "tensorflow\n"}, False),
    ({"requirements.txt": "tensorflow==2.8.0\n", "requirements-dev.txt": "tensorflow\n", ".git/HEAD": ""}, False),
    ({"requirements.txt": "tensorflow==2.8.0\nkeras>=3\n"}, False),
    ({"requirements.txt": "tensorflow==2.8.0\ntf-keras\n"}, False),
    ({"requirements.txt": "keras==2.3.1\n", "requirements-dev.txt": "keras\n", ".git/HEAD": ""}, False),
    ({"pyproject.toml": '[tool.poetry.dependencies]\ntensorflow = "^2.9"\n'}, False),
    ({"requirements.txt": "torch>=2.1\nnumpy<2\n"}, False),  # nothing says which Keras
])
def test_legacy_keras_when_every_tensorflow_and_keras_requirement_stops_before_2_11(tmp_path, files, legacy):
    assert legacy_keras(str(_project(tmp_path, files))) is legacy


_METADATA = "Metadata-Version: 2.1\nName: pkg\nVersion: 0.5.4\n{requires}\nThe description: Requires-Dist: keras>=3\n"


@pytest.mark.parametrize("files,legacy,floor", [
    # pip's site-packages (or --target): the distribution's metadata beside the package it installs
    ({"pkg-0.5.4.dist-info/METADATA": _METADATA.format(requires="Requires-Dist: tensorflow (==1.15.2)\n"
                                                                  "Requires-Dist: torch (>=1.13) ; extra == 'torch'"),
      "pkg-0.5.4.dist-info/top_level.txt": "pkg\n"}, True, (1, 13)),
    ({"pkg-0.5.4.dist-info/METADATA": _METADATA.format(requires="Requires-Dist: tensorflow<2.11")}, True, None),  # no top_level.txt: the folder's name
    ({"other-1.0.dist-info/METADATA": _METADATA.format(requires="Requires-Dist: tensorflow==1.15.2"),
      "other-1.0.dist-info/top_level.txt": "other\n"}, False, None),  # another distribution's
    ({"pkg-0.5.4.dist-info/METADATA": _METADATA.format(requires="Requires-Dist: tensorflow>=2.11"),
      "pkg-0.5.4.dist-info/top_level.txt": "pkg\n"}, False, None),
    # a name two distributions claim (a namespace package): neither's requirements are the package's
    ({"a-1.0.dist-info/METADATA": _METADATA.format(requires="Requires-Dist: tensorflow==1.15.2"),
      "a-1.0.dist-info/top_level.txt": "pkg\n", "b-1.0.dist-info/METADATA": _METADATA.format(requires=""),
      "b-1.0.dist-info/top_level.txt": "pkg\n"}, False, None),
    # the headers of a METADATA that carries a 3 MB description
    ({"pkg-0.5.4.dist-info/METADATA": _METADATA.format(requires="Requires-Dist: tensorflow<2.11") + "x" * 3_000_000,
      "pkg-0.5.4.dist-info/top_level.txt": "pkg\n"}, True, None),
])
def test_an_installed_package_declares_its_requirements_in_its_distribution_metadata(tmp_path, files, legacy, floor):
    module = _project(tmp_path, files)
    assert (legacy_keras(str(module)), torch_floor(str(module))) == (legacy, floor)


def test_line_length_from_the_tools_configuration(tmp_path):
    module = _project(tmp_path, {"pyproject.toml": "[tool.black]\nline-length = 100\n"})
    assert line_length(str(module)) == 100
    other = _project(tmp_path / "b", {"pyproject.toml": "[tool.ruff]\nline-length = 120\n",
                                      "tox.ini": "[flake8]\nmax-line-length = 110\n"})
    assert line_length(str(other)) == 110  # several tools: the fixed code passes all of them
    assert line_length(str(_project(tmp_path / "c", {"setup.py": ""}))) == 88


def test_parse_version():
    assert parse_version("2.5") == (2, 5)
    assert parse_version("2.7.1") == (2, 7)
    with pytest.raises(ValueError, match="not a torch version"):
        parse_version("latest")
