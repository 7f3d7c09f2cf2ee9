"""Renames done on the text (``textfix``) give what the libcst fixer gives, on every fixture and
catalog example and on layouts built to tell them apart (issue 20: JSON/SARIF and ``fix --diff``
without libcst where a fix is a rename). No timing: the libcst path's results are the reference."""

import textwrap

import pytest

from adamw_lint import catalog, fix, textcall, textfix
from adamw_lint.analysis import analyze_source
from adamw_lint.catalog.schema import UNSAFE
from adamw_lint.files import decode
from adamw_lint.noqa import without_noqa
from adamw_lint.selection import Selection
from helpers import FIXTURES

CRAFTED = [
    # the bracket ends its line: nothing moves
    "import torch\nopt = torch.optim.Adam(\n    p, weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(  # why\n    p, weight_decay=1e-4)\n",
    # aligned with the bracket: the continuation line moves (libcst's)
    "import torch\nopt = torch.optim.Adam(p,\n                       weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(p,  # c\n                       # a comment line\n"
    "                       weight_decay=1e-4)\n",
    # the rename is an argument of an aligned call: that call's callee does not change
    "import torch, functools\nopt = functools.partial(torch.optim.Adam,\n                        weight_decay=1e-4)\n",
    # parentheses around the name; a comment between the name and its bracket
    "import torch\nopt = (torch.optim.Adam)(p, weight_decay=1e-4)\n",
    "import torch\nopt = ( torch.optim.Adam )(\n    p, weight_decay=1e-4)\n",
    "import torch\nopt = (torch.optim.Adam  # c\n       (p,\n        weight_decay=1e-4))\n",
    # at the line length and one past it (88), on one line and over two
    "import torch\nopt_with_a_long_name_000000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n",
    "import torch\nopt_with_a_long_name_0000000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n",
    "import torch\nopt_with_a_long_name_0000000000000000000000000000000000000000000000 = torch.optim.Adam(\n"
    "    p, weight_decay=1e-4)\n",
    "import torch\nopt_with_a_long_name_00000000000000000000000000000000000000000000000 = torch.optim.Adam(\n"
    "    p, weight_decay=1e-4)\n",
    # two on one line that fit alone, not together
    "import torch\na = torch.optim.Adam(p, weight_decay=1e-4); b0 = torch.optim.Adam(q, weight_decay=1e-4)\n",
    # in a decorator, a nested call, a list element, the last line without its newline
    "import torch\n@register(torch.optim.Adam(\n    p, weight_decay=1e-4))\ndef f():\n    pass\n",
    "import torch\nrun(make(torch.optim.Adam(\n    p, weight_decay=1e-4), x,\n    y))\n",
    "import torch\nopts = [\n    torch.optim.Adam(p, weight_decay=1e-4),\n    torch.optim.Adam(\n        q, weight_decay=1e-4),\n]\n",
    "import torch\nopt = torch.optim.Adam(\n    p, weight_decay=1e-4)",
    # characters that are more than one byte before the name; tabs
    "import torch\nnom = 'é'; opt = torch.optim.Adam(\n    p, weight_decay=1e-4)\n",
    "import torch\nnom = 'é'; opt = torch.optim.Adam(p,\n                                   weight_decay=1e-4)\n",
    "import torch\nif True:\n\topt = torch.optim.Adam(\n\t\tp, weight_decay=1e-4)\n",
    "import torch\nclass T:\n    def build(self, p):\n        return torch.optim.Adam(\n            p, weight_decay=1e-4)\n",
    # import changes (libcst's) with a class or function right after the imports
    "from torch.optim import Adam\n\n\nclass Net:\n    def f(self):\n        return 1\n\n\n"
    "def build(p):\n    return Adam(\n        p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nimport torch\n\n\nclass Net(torch.nn.Module):\n    def f(self) -> \"Adam\":\n"
    "        pass\n\n\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch.optim as optim\nfrom torch.optim import Adam\ndef helper():\n    return optim\nopt = Adam(p, weight_decay=1e-4)\n",
    # the import of the old name changes too: it goes, or the new name joins it
    "from torch.optim import Adam\nimport torch\n\n\ndef f(p):\n    return Adam(\n        p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nimport torch\n\nx = Adam\n\ndef f(p):\n    return Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nimport torch\n\nx = Adam\n\ndef f(p):\n    return Adam(\n        p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import Adam\n\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import Adam\nx = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import Adam  # the optimizer\n\n\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import Adam as A\n\n\nopt = A(p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nfrom torch.optim import SGD\n\n\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\n__all__ = ['build']\n\n\ndef build(p):\n    return Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\ntry:\n    from torch.optim import AdamW\nexcept ImportError:\n    pass\n\n\n"
    "opt = Adam(p, weight_decay=1e-4)\n",
    "import bitsandbytes as bnb\nfrom bitsandbytes.optim import Adam8bit\n\n\nopt = Adam8bit(p, weight_decay=1e-4)\n"
    "other = Adam8bit\n",
    "import bitsandbytes as bnb\nfrom bitsandbytes.optim import Adam8bit\n\n\nopt = Adam8bit(p, weight_decay=1e-4)\n",
    # the old name in strings: a help text and a comment (no use), a type in a string (a use to libcst)
    "import argparse\nfrom torch.optim import Adam\n\n\nparser.add_argument('--opt', help=\"'Adam' or 'SGD'\")  # Adam\n"
    "opt = Adam(p, weight_decay=1e-4)\n",
    "from typing import List, cast\nfrom torch.optim import Adam\n\n\nx: 'Adam' = None\nopt = Adam(p, weight_decay=1e-4)\n",
    "from typing import List, cast\nfrom torch.optim import Adam\n\n\ny = cast('Adam', z)\nopt = Adam(p, weight_decay=1e-4)\n",
    "from typing import List, cast\nfrom torch.optim import Adam\n\n\nT = List['Adam']\nopt = Adam(p, weight_decay=1e-4)\n",
    # aligned arguments that move with the bracket: comment and blank lines, a line left of the
    # first argument, nested brackets, a tab in the alignment, a keyword first, a class
    # method's decorator, a trailing bracket on its own line
    "import torch\nopt = torch.optim.Adam(p,\n                       # why\n\n                       lr=1,  # c\n"
    "    weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(p, betas=(0.9,\n                                0.99),\n"
    "                       weight_decay=[1e-4,\n                                     2e-4][0])\n",
    "import torch\nopt = torch.optim.Adam(p,\n\t\t\t\t\t\t\t\tweight_decay=1e-4)\n",
    "import torch\nif True:\n\topt = torch.optim.Adam(p,\n\t                       weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(weight_decay=1e-4,\n                       params=p)\n",
    "import torch\nopt = torch.optim.Adam(p,\n                       weight_decay=1e-4,\n                       )\n",
    "import torch\nclass T:\n    @register(torch.optim.Adam(p,\n                               weight_decay=1e-4))\n"
    "    def f(self):\n        pass\n",
    "import torch\nopts = [torch.optim.Adam(p,\n                         weight_decay=1e-4), torch.optim.Adam(q,\n"
    "                                                                weight_decay=1e-4)]\n",
    "import torch\nopt = torch.optim.Adam(torch.optim.Adam(p,\n"
    "                                        weight_decay=1e-4).param_groups,\n                       weight_decay=1e-4)\n",
    # what the text cannot tell: a string or a backslash over lines
    "import torch\nopt = torch.optim.Adam(p, name='''a\n                       b''',\n                       weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(p, name='a'\n                       'b',\n                       weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(p, lr=1 + \\\n                       2,\n                       weight_decay=1e-4)\n",
    # lines over the length before the fix (the fixer leaves them), and a move that passes it
    "import torch\nopt_with_a_long_name_0000000000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n",
    "import torch\nopt_with_a_long_name_0000000000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4,\n"
    "                                                  amsgrad=False)\n",
    "import torch\nopt = torch.optim.Adam(p,\n                       weight_decay=1e-4, some_long_keyword_name=value_000000000000000)\n",
    "import torch\nopt = torch.optim.Adam(p,\n                       weight_decay=1e-4, some_long_keyword_name=value_0000000000000000)\n",
    "from torch.optim import Adam\nimport torch\n\n\ndef f(p):\n    return Adam(p, lr=1e-3, weight_decay=1e-4, betas=(0.9, 0.999), eps=1e-8, amsgrad=False)\n",
    "import torch\nx = [torch.optim.Adam(p, weight_decay=1e-4), torch.optim.Adam(q, weight_decay=1e-4), 1, 2, 3, 4]\n",
    # the call in the module's head, its import going: the fixer rewrites the module
    "from torch.optim import Adam\nimport torch\n\n\nclass Trainer:\n    def __init__(self, p):\n"
    "        self.opt = Adam(\n            p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nimport torch\n\n\nclass Trainer:\n    def __init__(self, p):\n"
    "        self.opt = Adam(p,\n                        weight_decay=1e-4)\n",
    # a keyword added or dropped, a param group's key dropped (textcall): hanging, aligned (where
    # the break lands at the first argument or not), one per line with a trailing comma, comments
    # between arguments, a key written in single quotes or first, and what the text leaves to libcst (an
    # argument in parentheses, a generator, a group built before the call)
    "import torch\nopt = torch.optim.Adam(\n    [\n        {\"params\": a, \"weight_decay\": 1e-4},\n"
    "        {\"params\": b, \"weight_decay\": 0.0},\n    ],\n    lr=1e-3,\n)\n",
    "import torch\nopt = torch.optim.Adam([{\"params\": a, \"weight_decay\": 1e-4}], lr=1e-3)\n",
    "import torch\nopt = torch.optim.Adam([{\"params\": a, \"weight_decay\": 1e-4}],\n"
    "                       lr=1e-3)\n",
    "import torch\nopt = torch.optim.NAdam(p,\n                        lr=1e-3,  # why\n\n"
    "                        # more\n                        weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.NAdam(p,\n    lr=1e-3,\n    weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.NAdam(p, lr=1e-3,\n                        weight_decay=1e-4 ,  # c\n)\n",
    "import torch\nopt = torch.optim.NAdam(\n    p,\n    lr=1e-3,\n    weight_decay=1e-4,\n)\n",
    "import torch\nopt = torch.optim.NAdam(p , lr=1e-3 ,weight_decay=1e-4 )\n",
    "import torch\ndef f(p):\n    if p:\n        return torch.optim.NAdam(p, # the parameters, lr, decay\n"
    "                                 weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.NAdam([{\"params\": a, \"decoupled_weight_decay\": False}], weight_decay=1e-4, "
    "decoupled_weight_decay=True)\n",
    "import torch\nopt = torch.optim.NAdam([{\"params\": a, 'decoupled_weight_decay': False, }], "
    "weight_decay=1e-4, decoupled_weight_decay=True)\n",
    "import torch\nopt = torch.optim.NAdam([{\"decoupled_weight_decay\": False, \"params\": a}], "
    "weight_decay=1e-4, decoupled_weight_decay=True)\n",
    "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4, decoupled_weight_decay=False)\n",
    "import torch\nopt = torch.optim.Adam(p, decoupled_weight_decay=False, weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(p,\n                       weight_decay=1e-4,\n"
    "                       decoupled_weight_decay=False,  # c\n                       )\n",
    "import torch\nopt = torch.optim.NAdam((p), lr=1e-3, weight_decay=(1e-4))\n",
    "import torch\nopt = torch.optim.NAdam((q for q in p), weight_decay=1e-4)\n",
    "import torch\ngroups = [{\"params\": a, \"decoupled_weight_decay\": False}]\n"
    "opt = torch.optim.NAdam(groups, weight_decay=1e-4, decoupled_weight_decay=True)\n",
    "import torch\ngroups = [{\"params\": a, \"decoupled_weight_decay\": False}]\n"
    "opt = torch.optim.NAdam(groups,\n                        weight_decay=1e-4, decoupled_weight_decay=True)\n",
    "import optax\ntx = optax.chain(optax.add_decayed_weights(1e-4),\n                 optax.adam(1e-3))\n",
    # found by a differential fuzz: a first argument in parentheses starts, for libcst, at the
    # bracket before it; libcst measures a continuation line without the block's indentation
    "import torch\nopt = torch.optim.Adam((p),\n                       weight_decay=1e-4)\n",
    "import torch\nif True:\n    opt = torch.optim.RAdam(p,\n                        name='x',\n"
    "                        weight_decay=0.01)\n",
    # also found by that fuzz: a param group's key in parentheses, match blocks (the fixer's
    # columns leave the match block's indentation out), a moved line equal to one that stays
    # (lines are compared as difflib compares them), a form feed before the call
    "import torch\nopt = torch.optim.AdamW([{('decoupled_weight_decay'): False}])\n",
    "import torch\nopt = torch.optim.AdamW([{('decoupled_weight_decay'): False, 'params': a}])\n",
    "import torch\nmatch x:\n    case 1:\n        opt = torch.optim.Adam(p,\n                               weight_decay=1e-4)\n",
    "import torch\nmatch x:\n    case 1:\n        opt = torch.optim.NAdam(p, lr=1,\n"
    "                                weight_decay=1e-4)\n",
    "import torch\nopt = torch.optim.Adam(p,\n                       x,\n                        x,\n"
    "                       weight_decay=1e-4)\n",
    "import torch\n\x0copt = torch.optim.Adam(p,\n                       weight_decay=1e-4)\n",
    "import torch\ndef f(p):\n    opt = torch.optim.NAdam(p, lr=1,\n                        weight_decay=0.01)\n",
    "import torch\ndef f(p):\n    x = g(\n        torch.optim.Adam(p, weight_decay=0.01))\n",
    # statements joined by semicolons: one statement to libcst, which decides where the head ends
    "from torch.optim import Adam\nimport os; x = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nx = 1; import os\ny = 2\nopt = Adam(p, weight_decay=1e-4)\n",
    # over the line length only with the block's indentation (89 with it; 88, at it): the fixer
    # measures a statement's first line from there, a continuation line and an element without it
    "import torch\ndef f(params_list):\n"
    "    opt_with_a_long_name_0000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n",
    "import torch\ndef f(params_list):\n"
    "    opt_with_a_long_name_000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n",
    "import torch\ndef f(params_list):\n    opt_with_a_long_name = torch.optim.Adam(params_list,\n"
    "                                            lr=1e-3, weight_decay=1e-4, eps=1e-8, am=0000)\n",
    "import torch\ndef f(params_list):\n    opts = [\n"
    "        torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4, eps=1e-8, amsgrad=00000),\n    ]\n",
    "import torch\ndef f(params_list):\n    opts = [torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4, eps=1e-8, a=00000),\n"
    "            None]\n",
    # the old name among others on its import line: it goes with its own comma, or with the one
    # before it when last; the new name comes first unless it is there already
    "from torch.optim import SGD, Adam, AdamW\nopt = Adam(p, weight_decay=1e-4)\nx = SGD(q), AdamW\n",
    "from torch.optim import SGD, Adam\n\n\ndef f(p):\n    return Adam(\n        p, weight_decay=1e-4)\n",
    "from torch.optim import Adam,SGD\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import SGD , Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import SGD, Adam  \nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import RMSprop, Adam\nx = Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import AdamW, Adam\nx = Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import Adam, SGD\nimport torch\n\nclass Net:\n    def f(self):\n        return Adam(\n"
    "            p, weight_decay=1e-4)\n",
    # left to libcst: brackets, an alias, a comment, a backslash
    "from torch.optim import (SGD, Adam)\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import SGD as S, Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import SGD, Adam  # optimizers\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import SGD, \\\n    Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    # no import added (``torch.optim.AdamW``: the name is taken): the old one's line goes when it
    # was alone, unless a blank or comment line above goes with it (libcst's)
    "import torch\nfrom torch.optim import SGD, Adam\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import Adam\nAdamW = 1\n\n\ndef f(p):\n    return Adam(\n        p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import Adam\nopt = Adam(p, weight_decay=1e-4)\nAdamW = 1\n",
    "import torch\nfrom torch.optim import Adam\nAdamW = 1\nx = Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\n\nfrom torch.optim import Adam\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\n# optimizers\nfrom torch.optim import Adam\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import Adam\nimport torch\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    # transformers' AdamW (AWL104): arguments added, its import removed where torch is imported;
    # among the module's first statements or not, alone on its import line or not
    "import torch\nfrom transformers import AdamW\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\nfrom transformers import AdamW, get_scheduler\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3, eps=1e-8)\n",
    "import torch\nfrom transformers import get_scheduler, AdamW\nx = 1\n\n\ndef f(p):\n    return AdamW(\n"
    "        p, lr=1e-3)\n",
    "import torch\nfrom transformers import AdamW\nx = 1\n\n\nclass T:\n    def f(self, p):\n"
    "        self.opt = AdamW(p,\n                         lr=1e-3)\n",
    "import torch\nfrom transformers import AdamW\nx = AdamW\nopt = AdamW(p, lr=1e-3, eps=1e-8, weight_decay=0.01)\n",
    "import torch\n\nfrom transformers import AdamW\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\nfrom transformers import AdamW, get_scheduler\nx = 1\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    # a bracketed import as black writes it: the old name's line goes, or the name before it takes
    # the bracket when it was last (libcst's); in another layout, or with a name to add, libcst's
    "import torch\nfrom transformers import (\n    WEIGHTS_NAME,\n    AdamW,\n    BertConfig,\n)\nx = 1\n\n\n"
    "def f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import torch\nfrom transformers import (\n    AdamW,\n    BertConfig,\n)\nx = 1\n\n\ndef f(p):\n"
    "    return AdamW(\n        p, lr=1e-3)\n",
    "import torch\nfrom transformers import (\n    WEIGHTS_NAME,\n    AdamW,\n)\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\nfrom transformers import (\n    AdamW,\n)\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\nfrom transformers import (\n    WEIGHTS_NAME, AdamW,\n    BertConfig,\n)\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\nfrom transformers import (\n    WEIGHTS_NAME,\n    AdamW\n)\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\nfrom torch.optim import (\n    Adam,\n    lr_scheduler,\n)\nx = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import (\n    SGD,\n    Adam,\n)\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    # the import written with more spaces; another import of the module; code before the import
    # (where a name is only removed, not where one is added)
    "import torch\nfrom transformers import  AdamW, get_scheduler\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\nfrom  torch.optim  import  SGD,  Adam\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom transformers.optimization import (\n    get_scheduler,\n)\n"
    "from transformers.optimization import AdamW, Adafactor\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    "import torch\ntry:\n    import yaml\nexcept ImportError:\n    yaml = None\nfrom transformers import AdamW\nx = 1\n"
    "opt = AdamW(p, lr=1e-3)\n",
    "import torch\ntry:\n    import yaml\nexcept ImportError:\n    yaml = None\nfrom transformers import AdamW\nx = AdamW\n"
    "opt = AdamW(p, lr=1e-3)\n",
    "import torch\ntry:\n    import yaml\nexcept ImportError:\n    pass\nfrom torch.optim import SGD, Adam\nAdamW = 1\n"
    "opt = Adam(p, weight_decay=1e-4)\n",
    "import torch\ntry:\n    import yaml\nexcept ImportError:\n    pass\nfrom torch.optim import SGD, Adam\n"
    "opt = Adam(p, weight_decay=1e-4)\n",
    # found by a fresh review: the old name bound again (only libcst's scopes tell whether its
    # import goes), imported twice on one line (libcst takes out both)
    "import torch\nfrom transformers import AdamW\ntry:\n    pass\nexcept ImportError:\n    AdamW = None\n"
    "opt = AdamW(p, lr=1e-3)\n",
    "from torch.optim import SGD, Adam\ntry:\n    pass\nexcept ImportError:\n    Adam = None\n"
    "opt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import Adam\nAdamW = 1\nfor Adam in []:\n    pass\nopt = Adam(p, weight_decay=1e-4)\n",
    "from torch.optim import SGD, Adam, Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom transformers import (\n    AdamW,\n    AdamW,\n)\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    "from torch.optim import SGD, Adam\ntry:\n    pass\nexcept ImportError:\n    Adam = None\n"
    "opt = Adam(p, weight_decay=1e-4)\nopt2 = Adam(q, weight_decay=1e-4)\n",
    # ``import torch`` added where the fix spells torch.optim.AdamW (issue 20: trankit); the
    # leading imports end where any other statement starts
    "from transformers import AdamW\nopt = AdamW(p, lr=1e-3)\n",
    "from transformers import AdamW, get_scheduler\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    '"""Doc."""\nfrom transformers import AdamW, get_scheduler\nimport os\n# a comment\ndef f(p):\n    return AdamW(p, lr=1e-3)\n',
    '"a" "b"\nfrom transformers import AdamW, get_scheduler\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n',
    '("doc")\nfrom transformers import AdamW, get_scheduler\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n',
    "import os\nfrom transformers import AdamW, get_scheduler\n# c\nx = 1\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import os\nfrom transformers import AdamW, get_scheduler\n\n# c\nx = 1\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import os\nfrom transformers import AdamW, get_scheduler\nclass T:\n    def f(self, p):\n        return AdamW(p, lr=1e-3)\n",
    "import os\nfrom transformers import AdamW, get_scheduler\nx = 1\nimport torch.nn\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import os; import sys\nfrom transformers import AdamW, get_scheduler\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "from __future__ import annotations\nfrom transformers import AdamW\nimport os\n\n\n@dec\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import os\nfrom transformers import get_scheduler\nx = 1\nfrom transformers import AdamW\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import os\nfrom transformers import AdamW\nif os.name:\n    pass\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "from torch.optim import Adam, SGD\nAdamW = 1\n\n\ndef f(p):\n    return Adam(p, weight_decay=1e-4)\n",
    "import os\nfrom torch.optim import Adam\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\n",
    "import os\nfrom torch.optim import Adam\nAdamW = 1\nopt = Adam(p, weight_decay=1e-4)\nopt2 = Adam(q, weight_decay=1e-4)\n",
    "#!/usr/bin/env python\n# header\nimport os\nfrom transformers import AdamW\n\nx = 1\nopt = AdamW(p, lr=1e-3)\n",
    # a line the fix takes past the line length: broken as black would (trankit, chgnet)
    "import torch\nfrom transformers import AdamW\n\n\nclass Trainer:\n    def build(self, parameters_of_the_model):\n"
    "        self.optimizer = AdamW(params=parameters_of_the_model, lr=0.001)\n",
    "from transformers import AdamW\n\n\nclass Trainer:\n    def build(self, parameters_of_the_model):\n"
    "        self.optimizer = AdamW(params=parameters_of_the_model, lr=0.001)\n",
    "import torch\n\n\nclass T:\n    def f(self, model, learning_rate, weight_decay):\n        self.optimizer = torch.optim.RAdam(\n"
    "            model.parameters(), learning_rate, weight_decay=weight_decay\n        )\n",
    "import torch\n\n\nclass T:\n    def f(self, model, learning_rate, weight_decay):\n        self.optimizer = torch.optim.RAdam(  # c\n"
    "            model.parameters(), learning_rate, weight_decay=weight_decay  # d\n        )  # e\n",
    "import torch\n\n\nclass T:\n    def f(self, model, lr, wd):\n        self.optimizer = torch.optim.RAdam(model.parameters(), lr, weight_decay=wd,)\n",
    "import torch\nx = torch.optim.RAdam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)  # note\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    return torch.optim.RAdam(model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, 0.999))\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = [torch.optim.RAdam(model.params(), lr=lr, weight_decay=wd, betas=(0.9, 0.999))]\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = (torch.optim.RAdam(model.params(), lr=lr, weight_decay=wd, betas=(0.9, 0.999)))\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    torch.optim.RAdam(model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, 0.9999))\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    y = 1; x = torch.optim.RAdam(model.params(), lr=lr, weight_decay=wd, b=(0.9, 0.9))\n",
    "import torch\n\n\nclass T:\n\tdef f(self, model, lr, wd):\n\t\tself.optimizer = torch.optim.RAdam(model.parameters(), lr, weight_decay=wd, eps=1e-8)\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x: object = torch.optim.RAdam(model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, 0.99))\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = torch.optim.RAdam(model.parameters(),\n                          lr=lr, weight_decay=wd, betas=(0.9, 0.99), eps=1e-8)\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = torch.optim.RAdam (model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, 0.99))\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = torch.optim.RAdam(\n        model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, 0.99), eps=1e-8, foo=1,\n    )\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = torch.optim.RAdam(*groups, lr=lr, weight_decay=wd, betas=(0.9, 0.99), eps=1e-8, **kw)\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = torch.optim.RAdam(model.parameters(), lr = lr, weight_decay = wd, betas=(0.9, 0.99))\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = torch.optim.RAdam(model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, 0.999), eps=1e-08, foo=b)\n",
    "import torch\n\n\ndef f(model, lr, wd):\n    x = torch.optim.RAdam(model.parameters(), lr=lr, weight_decay=wd, b=(0.9,\n 0.99))\n",
    # found by fuzzing: for libcst, a string in parts is no docstring and a line of two imports
    # ends the leading ones; a name is added to an import among them only
    '"a" "b"\nfrom torch.optim import (\n    SGD,\n    Adam,\n    AdamW,\n)\nopt = Adam(p, weight_decay=1e-4)\n',
    "import os; import sys\nfrom torch.optim import SGD, Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    "b'doc'\nfrom torch.optim import SGD, Adam\nopt = Adam(p, weight_decay=1e-4)\n",
    # a block's own import that keeps another name, the old one taken out (supar)
    "import torch\n\n\ndef f(p):\n    from transformers import AdamW, get_scheduler\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import get_scheduler, AdamW\n    x = 1\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import get_scheduler,  AdamW ,BertConfig\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import AdamW, get_scheduler\n    return AdamW(p, lr=1e-3)  # 'AdamW'\n",
    "import torch\n\n\ndef f(p):\n    from transformers import AdamW\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import AdamW, get_scheduler\n    return AdamW(p, lr=1e-3)\n\n\n"
    "def g(p):\n    from transformers import AdamW, get_scheduler\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import AdamW, get_scheduler\n    a = AdamW\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\nclass P:\n    def train(self, args):\n        if args.encoder == 'lstm':\n            pass\n        else:\n"
    "            from transformers import AdamW, get_linear_schedule_with_warmup\n            steps = 1\n"
    "            self.optimizer = AdamW(\n                [{'params': p} for n, p in self.model.named_parameters()],\n"
    "                args.lr)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import (\n        AdamW,\n        get_scheduler,\n    )\n    return AdamW(p, lr=1e-3)\n",
    "import torch\nAdamW = 1\n\n\ndef f(p):\n    from torch.optim import SGD, Adam\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    if p: from transformers import AdamW, get_scheduler\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import AdamW, get_scheduler; x = 1\n    return AdamW(p, lr=1e-3)\n",
    "import torch\n\n\ndef f(p):\n    from transformers import AdamW, get_scheduler\n    opt = AdamW(p, lr=1e-3)\n",
    # a name joined to a block's own import, last, and the old one taken out (avalanche)
    "import torch\n\n\ndef f(p):\n    from torch.optim import Adam\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    lr = 0.01\n    from torch.optim import Adam\n\n    x = 1\n    opt = Adam(\n        p,\n        lr=lr,\n"
    "        weight_decay=0.0001,\n    )\n",
    "import torch\n\n\ndef f(p):\n    from torch.optim import SGD,  Adam\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    from torch.optim import Adam , SGD\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    from torch.optim import Adam, AdamW\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    from torch.optim import Adam\n    x = Adam\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    from torch.optim import Adam\n    return Adam(p, weight_decay=1e-4)  # Adam\n",
    "import torch\n\n\ndef f(p):\n    from torch.optim import Adam\n    return Adam(p, weight_decay=1e-4)\n\n\n"
    "def g(p):\n    from torch.optim import Adam\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\nfrom torch.optim import SGD\n\n\ndef f(p):\n    from torch.optim import Adam\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    from torch.optim import (Adam)\n    return Adam(p, weight_decay=1e-4)\n",
    "import torch\n\n\ndef f(p):\n    if p:\n        from torch.optim import Adam\n    return Adam(p, weight_decay=1e-4)\n",
    # avalanche as written: another import of the module at the top, ``__all__`` (which keeps top-level names only)
    "import torch\nfrom torch.optim import Optimizer\n\n__all__ = ['f']\n\n\ndef f(p):\n    lr = 0.01\n"
    "    from torch.optim import Adam\n\n    opt = Adam(\n        p,\n        lr=lr,\n        weight_decay=0.0001,\n    )\n"
    "    return opt\n",
    "import torch\n\n__all__ = ['f']\n\n\ndef f(p):\n    from transformers import AdamW, get_scheduler\n    return AdamW(p, lr=1e-3)\n",
    "from torch.optim import SGD, Adam\n__all__ = ['opt']\nopt = Adam(p, weight_decay=1e-4)\n",
    # found by a fresh review: a backslash after a semicolon keeps two statements on one line for
    # libcst, which ends the leading imports; without a final newline the fixer rewrites the module
    # (its scopes then take a function's own import out though the name is used elsewhere)
    "import os; \\\nimport sys\nfrom transformers import AdamW, get_scheduler\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import os; \\\nx = 1\nfrom transformers import AdamW, get_scheduler\n\n\ndef f(p):\n    return AdamW(p, lr=1e-3)\n",
    "import os; \\\nimport sys\nfrom torch.optim import Adam, SGD\nopt = Adam(p, weight_decay=1e-4)\n",
    '"""d"""; \\\nimport sys\nfrom torch.optim import Adam, SGD\nopt = Adam(p, weight_decay=1e-4)\n',
    "x_ = Adam\n\n\ndef build(p):\n    from torch.optim import Adam, SGD\n    return Adam(p, weight_decay=1e-4)",
    "x_ = Adam\ndef build(p):\n    from torch.optim import Adam, AdamW\n    Adam(p, weight_decay=1e-4)",
]


def _sources():
    bases = [decode(str(p), p.read_bytes()).text for p in sorted(FIXTURES.glob("*.py"))]
    bases += [decode(str(p), p.read_bytes()).text for p in sorted((FIXTURES / "fix").glob("*.py"))
              if not p.name.endswith(".fixed.py")]
    bases += [ex.source for row in catalog.all_rows() for ex in getattr(row, "invalid", ())]
    bases += CRAFTED
    sources = []
    for base in bases:
        sources += [base, "x = 1\n" * 30 + base, base + "\n" + base,
                    "def wrapper():\n" + textwrap.indent(base, "    ") + "    pass\n",
                    base.replace("\n", "\r\n"), base.replace("\n", "\r")]
    return sources


SOURCES = _sources()


def _findings(source):
    try:
        return without_noqa(analyze_source(source), source)
    except SyntaxError:  # an indented example that no longer parses
        return None


@pytest.mark.parametrize("line_length", [88, 43, 40])
def test_fix_each_on_the_text_equals_libcst(line_length):
    texts = checked = swaps = inside = 0
    for source in SOURCES:
        findings = _findings(source)
        if not findings or not any(f.fix for f in findings):
            continue
        expected = fix.fix_each_cst(source, findings, line_length=line_length)
        assert textfix.fix_each(source, findings, line_length=line_length) == expected, source
        lines = textfix.SourceText(source)
        done = [f for f in findings if f.fix and textfix._each(lines, f, line_length) is not None]
        texts += len(done)
        swaps += sum(bool(f.fix.add_imports) for f in done)
        inside += sum(any(e.kind != "replace" for e in f.fix.edits) for f in done)
        checked += 1
    assert checked >= 300
    assert texts >= 500, texts  # the text path is what was compared
    assert swaps >= 25, swaps  # among them, fixes that change an import
    assert inside >= 150, inside  # and fixes that add or drop an argument or a key (textcall)


@pytest.mark.parametrize("line_length,path", [(88, None), (40, None), (88, "pkg/__init__.py")])
def test_whole_file_fix_on_the_text_equals_libcst(line_length, path):
    texts = swaps = 0
    for source in SOURCES:
        findings = _findings(source)
        if not findings:
            continue
        applied = [f for f in findings if f.fix and f.fix.applies_at(UNSAFE)]
        renamed = textfix._renamed(source, applied, line_length, path)
        if renamed is None:
            continue
        expected, done, _ = fix.transform(source, findings, applied, style="rename", selection=Selection(), only=None,
                                          applicability=UNSAFE, target_torch=None, path=path,
                                          line_length=line_length, decay_values=None)
        assert renamed == expected, source
        assert done == applied
        texts += 1
        swaps += any(f.fix.add_imports for f in applied)
    assert texts >= (100 if line_length == 88 else 30), texts
    assert swaps >= (10 if line_length == 88 else 1), swaps  # among them, files whose import changes


def test_a_package_init_keeps_its_imports_on_the_text_as_in_libcst():
    # the fixer removes no import of a package's ``__init__.py`` (its API); a fresh review found
    # the text removing them in a finding's own fix
    compared = 0
    for source in CRAFTED:
        findings = _findings(source)
        if not findings or not any(f.fix for f in findings):
            continue
        expected = fix.fix_each_cst(source, findings, path="pkg/__init__.py")
        assert textfix.fix_each(source, findings, path="pkg/__init__.py") == expected, source
        compared += any(f.fix.remove_imports for f in findings)
    assert compared >= 40, compared


def _crafted(*parts):
    [source] = [c for c in CRAFTED if all(part in c for part in parts)]
    return source


def test_what_libcst_would_lay_out_is_left_to_it():
    too_long = CRAFTED[9]  # one past the line length: the fixer breaks the line as black would
    moved_too_long = _crafted("value_0000000000000000)")  # a moved line one past it
    across = [_crafted("'''a"), _crafted("'a'\n"), _crafted("1 + \\")]  # a string or a backslash over lines
    for source in (too_long, moved_too_long, *across):
        [finding] = analyze_source(source)
        assert textfix._each(textfix.SourceText(source), finding, 88) is None, source
        assert textfix._renamed(source, [finding], 88) is None, source
    both_too_long = CRAFTED[12]
    findings = analyze_source(both_too_long)
    assert all(textfix._each(textfix.SourceText(both_too_long), f, 88) is not None for f in findings)
    assert textfix._renamed(both_too_long, findings, 88) is None
    hanging = CRAFTED[0]
    [finding] = analyze_source(hanging)
    assert textfix._renamed(hanging, [finding], 88) == hanging.replace("Adam(", "AdamW(")


def test_the_text_moves_aligned_arguments_and_keeps_lines_already_too_long():
    aligned = _crafted("Adam(p,\n                       # why\n\n")
    [finding] = analyze_source(aligned)
    assert textfix._renamed(aligned, [finding], 88) == (
        "import torch\nopt = torch.optim.AdamW(p,\n                        # why\n\n"
        "                        lr=1,  # c\n    weight_decay=1e-4)\n")  # the line left of the bracket stays
    tabbed = _crafted("\tweight_decay")
    [finding] = analyze_source(tabbed)
    assert textfix._renamed(tabbed, [finding], 88) == tabbed.replace("Adam(", "AdamW(")  # a tab is not moved
    already = _crafted("opt_with_a_long_name_0000000000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n")
    [finding] = analyze_source(already)
    text = textfix.SourceText(already)
    assert textfix._each(text, finding, 88) == [(13, len(text.lines[1]), text.lines[1].replace("Adam(", "AdamW("))]
    assert textfix._renamed(already, [finding], 88) == already.replace("Adam(", "AdamW(")
    # over it only with the block's indentation, as the fixer measures a statement's first line
    indented = _crafted("    opt_with_a_long_name_0000 = ")
    [finding] = analyze_source(indented)
    assert textfix._each(textfix.SourceText(indented), finding, 88) is not None
    assert textfix._renamed(indented, [finding], 88) == indented.replace("Adam(", "AdamW(")
    at_the_length = _crafted("    opt_with_a_long_name_000 = ")  # 88: the fixer breaks it, libcst's
    [finding] = analyze_source(at_the_length)
    assert textfix._each(textfix.SourceText(at_the_length), finding, 88) is None


def test_an_import_line_of_several_names_changes_on_the_text():
    cases = {  # libcst's own output: the new name first, the old one out with the right comma
        "from torch.optim import SGD, Adam, AdamW\n": "from torch.optim import SGD, AdamW\n",
        "from torch.optim import SGD, Adam\n\n\ndef f(p):": "from torch.optim import AdamW, SGD\n",
        "from torch.optim import Adam,SGD\n": "from torch.optim import AdamW,SGD\n",
        "from torch.optim import SGD , Adam\n": "from torch.optim import AdamW, SGD\n",
        "from torch.optim import RMSprop, Adam\nx = Adam\n": "from torch.optim import AdamW, RMSprop, Adam\n",
    }
    for start, import_line in cases.items():
        source = _crafted(start)
        findings = analyze_source(source)
        assert all(textfix._each(textfix.SourceText(source), f, 88) is not None for f in findings), source
        assert textfix._renamed(source, findings, 88).splitlines(keepends=True)[0] == import_line
    for written in ("import (SGD, Adam)", "import SGD as S", "Adam  # optimizers", "import SGD, \\"):  # libcst's
        source = _crafted(written)
        assert all(textfix._each(textfix.SourceText(source), f, 88) is None for f in analyze_source(source)), source


def test_an_import_the_fix_only_removes_changes_on_the_text():
    alone = _crafted("import Adam\nAdamW = 1\n\n\ndef f(p):")
    [finding] = analyze_source(alone)
    assert not finding.fix.add_imports and finding.fix.edits[0].text == "torch.optim.AdamW"
    assert textfix._each(textfix.SourceText(alone), finding, 88) is not None
    assert "from torch.optim" not in textfix._renamed(alone, [finding], 88)
    for above in ("import torch\n\nfrom torch", "# optimizers\nfrom"):
        source = _crafted(above)  # libcst's: the lines above the statement go with it
        [finding] = analyze_source(source)
        assert textfix._each(textfix.SourceText(source), finding, 88) is None, source
    source = _crafted("from torch.optim import Adam\nimport torch\nAdamW")  # on the first line: none above
    [finding] = analyze_source(source)
    assert textfix._each(textfix.SourceText(source), finding, 88) == fix.fix_each_cst(source, [finding])[finding.span]


def test_transformers_adamw_with_its_import_removed_changes_on_the_text():
    for start in ("AdamW\nopt = AdamW(p, lr=1e-3)\n", "AdamW, get_scheduler\n\n", "get_scheduler, AdamW\n",
                  "AdamW\nx = AdamW\n", "AdamW, get_scheduler\nx = 1", " AdamW, get",  "(\n    WEIGHTS_NAME,\n    AdamW,\n    Bert",
                  "(\n    AdamW,\n    BertConfig", "(\n    WEIGHTS_NAME,\n    AdamW,\n)", "(\n    AdamW,\n)"):
        source = _crafted(f"import torch\nfrom transformers import {start}")
        [finding] = analyze_source(source)
        assert finding.code == "AWL104" and finding.fix.remove_imports and not finding.fix.add_imports
        assert textcall.each(textfix.SourceText(source), finding, 88) is not None, source
    for written in ("import AdamW, Adafactor\n", "    yaml = None\nfrom transformers import AdamW\nx = 1\n"):
        source = _crafted(written)  # another import of the module; code above the import
        [finding] = analyze_source(source)
        assert textcall.each(textfix.SourceText(source), finding, 88) is not None, source
    source = _crafted("import torch\nfrom transformers import AdamW\nopt = AdamW(p, lr=1e-3)\n")
    [finding] = analyze_source(source)
    assert textfix.fix_each(source, [finding]) == {finding.span: [(13, 55, "opt = torch.optim.AdamW(p, lr=1e-3, eps=1e-6, weight_decay=0.0)\n")]}


def test_a_file_whose_fixes_are_renames_never_imports_libcst(tmp_path):
    import subprocess
    import sys

    (tmp_path / "a.py").write_text(CRAFTED[0] + CRAFTED[5].split("\n", 1)[1])
    probe = ("import sys\nfrom adamw_lint.cli import main\n"
             "for args in (['check', '--no-cache', '--format', 'json', 'a.py'], ['fix', '--no-cache', '--diff', 'a.py']):\n"
             "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
             "print('libcst' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert '"offset"' in done.stdout and "AdamW(" in done.stdout, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr


def test_import_changes_from_the_short_head_equal_the_whole_heads():
    # fix._Singles._imports walks the head with its last statement (a class, a function) as `pass`
    shortened = 0
    for source in SOURCES:
        findings = [f for f in _findings(source) or () if f.fix and (f.fix.add_imports or f.fix.remove_imports)]
        if not findings:
            continue
        try:
            singles = fix._Singles(source, None, 88)
        except Exception:  # noqa: BLE001 - libcst's own limits: fix_each gives no fixes there
            continue
        for finding in findings:
            add = tuple(spec for spec in finding.fix.add_imports if len(spec) == 2)
            unused = tuple(r for r in finding.fix.remove_imports if singles.uses[r[2] or r[1]] <= 1)
            for removes in {(), unused}:  # as fixes() asks: the imports the fix leaves unused, or none
                short = singles._short_head(removes)
                if short is None or not (add or removes):
                    continue
                expected = fix._head_changes(singles._head(), add, removes)
                singles.imports.clear()
                assert singles._imports(finding.fix.add_imports, removes) == expected, source
                shortened += all(offset + length < short[1] for offset, length, _ in expected)
    assert shortened >= 25, shortened


def test_a_fix_that_only_advises_changes_nothing_on_the_text_as_in_libcst():
    from adamw_lint.catalog.schema import DISPLAY_ONLY
    from adamw_lint.findings import Fix

    source = _crafted("Adam(p,\n                       # why\n\n")
    [finding] = analyze_source(source)
    advice = finding.with_fix(Fix("Adam is public: offer AdamW beside it", (), applicability=DISPLAY_ONLY))
    assert textfix._each(textfix.SourceText(source), advice, 88) == []
    assert textfix.fix_each(source, [advice]) == fix.fix_each_cst(source, [advice]) == {advice.span: []}


def test_an_import_of_torch_added_changes_on_the_text():
    # issue 20 (trankit): ``import torch`` goes after the leading imports, as AddImportsVisitor
    # places it, with a blank line before the code that follows unless one is there
    def starting(start):
        [source] = [c for c in CRAFTED if c.startswith(start)]
        return source

    for start in ("from transformers import AdamW, get_scheduler\n\n\n", '"""Doc."""\nfrom transformers',
                  "import os\nfrom transformers import AdamW, get_scheduler\n# c\nx = 1",
                  "import os\nfrom transformers import AdamW, get_scheduler\n\n# c\nx = 1",
                  "import os\nfrom transformers import AdamW, get_scheduler\nclass T:",
                  "from __future__ import annotations\nfrom transformers", "from torch.optim import Adam, SGD\nAdamW = 1\n"):
        source = starting(start)
        [finding] = analyze_source(source)
        assert finding.fix.add_imports == (("torch", None),), source
        assert textfix._each(textfix.SourceText(source), finding, 88) is not None, source
        assert textfix.fix_each(source, [finding]) == fix.fix_each_cst(source, [finding]), source
    source = starting("import os\nfrom transformers import AdamW, get_scheduler\n# c\nx = 1")
    [finding] = analyze_source(source)
    fixed = textfix.apply_replacements(source, textfix.fix_each(source, [finding])[finding.span])
    assert fixed.startswith("import os\nfrom transformers import get_scheduler\nimport torch\n\n# c\nx = 1\n")
    for start in ('"a" "b"\nfrom transformers', '("doc")\nfrom', "import os; import sys\nfrom transformers"):
        source = starting(start)  # no docstring for libcst, or no leading import: libcst's
        [finding] = analyze_source(source)
        assert textfix._each(textfix.SourceText(source), finding, 88) is None, source


def test_a_line_the_fix_takes_past_the_line_length_is_broken_on_the_text():
    # issue 20 (chgnet, trankit): the fixer breaks the statement as black would
    one_line = _crafted("Trainer:\n    def build(self, parameters_of_the_model):\n", "import torch\nfrom transformers")
    over_lines = _crafted("learning_rate, weight_decay=weight_decay\n        )\n")
    for source, broken in ((one_line, "torch.optim.AdamW(\n            params=parameters_of_the_model, lr=0.001, eps=1e-6, "
                                      "weight_decay=0.0\n        )\n"),
                           (over_lines, "RAdam(\n            model.parameters(),\n            learning_rate,\n"
                                        "            weight_decay=weight_decay,\n            decoupled_weight_decay=True,\n"
                                        "        )\n")):
        [finding] = analyze_source(source)
        text = textfix.SourceText(source)
        assert textcall.each(text, finding, 88) is not None, source
        fixed = textfix.fix_each(source, [finding])
        assert fixed == fix.fix_each_cst(source, [finding]), source
        assert broken in textfix.apply_replacements(source, fixed[finding.span])
    for written in ("x = [torch.optim.RAdam(", "x = (torch.optim.RAdam(", "y = 1; x = torch.optim.RAdam("):
        source = _crafted(written)
        [finding] = analyze_source(source)
        assert max(map(len, source.splitlines())) <= 88  # and past it with the fix
        assert textcall.each(textfix.SourceText(source), finding, 88) is None, source  # not split: libcst's


def test_a_blocks_own_import_that_keeps_another_name_changes_on_the_text():
    # issue 20 (supar): ``from transformers import AdamW, get_linear_schedule_with_warmup`` in a
    # function; the fixer takes the name out of that statement alone (``fix._Singles._inside``)
    head = "import torch\n\n\ndef f(p):\n    from transformers import "
    for source in (f"{head}AdamW, get_scheduler\n    return AdamW(p, lr=1e-3)\n",
                   _crafted("import get_scheduler, AdamW\n    x = 1"), _crafted("import get_scheduler,  AdamW ,BertConfig"),
                   _crafted("get_linear_schedule_with_warmup\n            steps"), _crafted("import SGD, Adam\n    return Adam(")):
        assert source in CRAFTED
        [finding] = analyze_source(source)
        assert finding.fix.remove_imports and not finding.fix.add_imports, source
        assert textfix._each(textfix.SourceText(source), finding, 88) is not None, source
        fixed = textfix.fix_each(source, [finding])
        assert fixed == fix.fix_each_cst(source, [finding]), source
        assert "    from transformers import get_" in textfix.apply_replacements(source, fixed[finding.span]) \
            or "    from torch.optim import SGD\n" in textfix.apply_replacements(source, fixed[finding.span])
    for source in (_crafted("return AdamW(p, lr=1e-3)  # 'AdamW'"), f"{head}AdamW\n    return AdamW(p, lr=1e-3)\n",
                   _crafted("from transformers import (\n        AdamW"), _crafted("if p: from"),
                   _crafted("get_scheduler; x = 1")):
        # named in a comment; the name alone, in brackets, after a colon, before a semicolon
        assert source in CRAFTED
        assert all(textfix._each(textfix.SourceText(source), f, 88) is None for f in analyze_source(source)), source


def test_a_name_joined_to_a_blocks_own_import_changes_on_the_text():
    # issue 20 (avalanche): ``from torch.optim import Adam`` in a function; the fixer joins
    # ``AdamW`` to it, last (``AdamWCodemod._join_import``), then takes ``Adam`` out where unused
    for written, becomes in (("def f(p):\n    from torch.optim import Adam\n    return Adam(p, weight_decay=1e-4)\n",
                              "    from torch.optim import AdamW\n"),
                             ("    from torch.optim import Adam\n\n    x = 1", "    from torch.optim import AdamW\n"),
                             ("import SGD,  Adam\n", "    from torch.optim import SGD,  AdamW\n"),
                             ("import Adam , SGD\n", "    from torch.optim import SGD , AdamW\n"),
                             ("import Adam\n    x = Adam\n", "    from torch.optim import Adam, AdamW\n"),
                             ("        from torch.optim import Adam\n", "        from torch.optim import AdamW\n"),
                             ("__all__ = ['f']\n\n\ndef f(p):\n    lr", "    from torch.optim import AdamW\n"),
                             ("from torch.optim import SGD\n\n\ndef f", "    from torch.optim import AdamW\n")):
        source = _crafted(written) if not written.startswith("def f") else f"import torch\n\n\n{written}"
        assert source in CRAFTED
        [finding] = analyze_source(source)
        assert len(finding.fix.add_imports[0]) == 3, source  # placed next to the old import
        assert textfix._each(textfix.SourceText(source), finding, 88) is not None, source
        fixed = textfix.fix_each(source, [finding])
        assert fixed == fix.fix_each_cst(source, [finding]), source
        assert becomes in textfix.apply_replacements(source, fixed[finding.span]), source
    for written in ("weight_decay=1e-4)  # Adam\n", "def g(p):\n    from torch.optim import Adam", "import (Adam)"):
        source = _crafted(written)  # named in a comment; imported twice; in brackets: libcst's
        assert all(textfix._each(textfix.SourceText(source), f, 88) is None for f in analyze_source(source)), source
