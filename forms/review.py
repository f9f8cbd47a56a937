"""The reviewers' forms: a decision with its reason, and an exit with its evidence."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField, ValidationError
from wtforms.validators import InputRequired

from forms.base import AppForm
from forms.fields import text_length


class DecisionForm(AppForm):
    """One decision of those the rules leave this reviewer (choices set per request), and why."""

    decision = RadioField("审核意见", choices=[], validate_choice=False)
    reason = TextAreaField("理由 / 意见", [text_length()])
    override = TextAreaField("书面意见", [text_length()])

    def with_choices(self, choices: list[str], labels: dict[str, str]) -> DecisionForm:
        self.decision.choices = [(c, labels[c]) for c in choices]
        return self

    def validate_decision(self, field):
        if field.data not in dict(field.choices):
            raise ValidationError("请选择一项您可以执行的操作")


class FlagDecisionForm(AppForm):
    """The experts ticked on a list of exit flags, and the bureau's note on them."""

    expert_ids = SelectMultipleField("专家", choices=[], validate_choice=False)
    note = TextAreaField("处理意见", [InputRequired("请填写处理意见"), text_length()])


class ExitForm(AppForm):
    """出库: a reason of rules §8, the facts it rests on, and an optional proof (operations/lifecycle.py
    refuses a missing reason or evidence)."""

    reason = SelectField("出库原因", choices=[], validate_choice=False)
    evidence = TextAreaField("事实依据", [text_length()])
    evidence_file = FileField("证明材料")
