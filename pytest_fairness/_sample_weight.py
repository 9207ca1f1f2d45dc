"""Give sample weights to an estimator's ``fit``, a Pipeline's last step included.

The intervention estimators of every stage fit a user's estimator with row
weights (reweighing, the reductions' relabelled rows, a post-processor's
``sample_weight``). A :class:`~sklearn.pipeline.Pipeline` takes no
``sample_weight`` argument: without metadata routing it takes
``<step>__sample_weight`` for one step, with routing it gives
``sample_weight`` to the steps that request it. :func:`fit_params_for_weights`
returns the keyword arguments that reach the final estimator either way, or
raises an error that says how to build a pipeline that takes them. Only the
estimator modules import it (scikit-learn is then installed).
"""

from __future__ import annotations

import inspect
from typing import Any

import sklearn
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import get_routing_for_object
from sklearn.utils.validation import has_fit_parameter

from pytest_fairness._validation import fail

__all__ = ["fit_params_for_weights", "last_step"]


def last_step(pipeline: Any) -> tuple[str, Any]:
    """Return the name and estimator of a Pipeline's last step.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The pipeline.

    Returns
    -------
    name : str
        The step's name.
    estimator : object
        The step's estimator (may be ``"passthrough"`` or None).
    """
    name, step = pipeline.steps[-1]
    return str(name), step


def _takes_sample_weight(estimator: Any) -> bool:
    """Return True when ``estimator.fit`` has ``sample_weight`` or ``**kwargs``.

    A meta-estimator such as ``GridSearchCV`` takes ``**params`` and passes
    ``sample_weight`` on to its own estimator.
    """
    if has_fit_parameter(estimator, "sample_weight"):
        return True
    fit = getattr(estimator, "fit", None)
    if fit is None:
        return False
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        for p in inspect.signature(fit).parameters.values()
    )


def _routing_enabled() -> bool:
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


def fit_params_for_weights(
    estimator: Any, sample_weight: Any, *, owner: object
) -> dict[str, Any]:
    """Return the ``fit`` keyword arguments that give ``sample_weight`` to a model.

    Parameters
    ----------
    estimator : estimator
        The estimator to fit: any estimator whose ``fit`` takes
        ``sample_weight`` (or ``**kwargs``, as a ``GridSearchCV`` does), or a
        Pipeline whose last step's does (nested pipelines too).
    sample_weight : array-like
        The row weights.
    owner : object
        The estimator that fits ``estimator`` (named in messages).

    Returns
    -------
    dict
        ``{"sample_weight": w}`` for an estimator, and for a Pipeline with
        metadata routing enabled (which routes it to the steps that request
        it); ``{"<last step>__sample_weight": w}`` for a Pipeline without
        routing.

    Raises
    ------
    FairnessValueError
        When the weights cannot reach the final estimator: its ``fit`` takes
        no ``sample_weight``, or (routing enabled) the last step did not
        request it. The message shows the pattern that works.
    """
    who = type(owner).__name__
    if not isinstance(estimator, Pipeline):
        if _takes_sample_weight(estimator):
            return {"sample_weight": sample_weight}
        msg = (
            f"{who} fits {type(estimator).__name__} with sample_weight, so its "
            "fit must accept sample_weight, and it does not. Use an estimator "
            "whose fit does (LogisticRegression, GradientBoostingClassifier, "
            "...), or a Pipeline ending in one."
        )
        raise fail(msg)
    name, step = last_step(estimator)
    if step is None or isinstance(step, str):
        msg = (
            f"{who} fits a Pipeline with sample_weight, which goes to its last "
            f"step, but the last step {name!r} is {step!r}. End the pipeline "
            "with an estimator whose fit takes sample_weight."
        )
        raise fail(msg)
    if _routing_enabled():
        consumed = get_routing_for_object(step).consumes("fit", ["sample_weight"])
        if "sample_weight" not in consumed:
            msg = (
                f"{who} fits a Pipeline with sample_weight. With metadata routing "
                "enabled, a Pipeline gives sample_weight only to the steps that "
                f"request it, and its last step {name!r} "
                f"({type(step).__name__}) does not. Request it there, e.g. "
                "make_pipeline(OneHotEncoder(), "
                "LogisticRegression().set_fit_request(sample_weight=True))."
            )
            raise fail(msg)
        return {"sample_weight": sample_weight}
    if isinstance(step, Pipeline):
        inner = fit_params_for_weights(step, sample_weight, owner=owner)
        return {f"{name}__{key}": value for key, value in inner.items()}
    if not _takes_sample_weight(step):
        msg = (
            f"{who} fits a Pipeline with sample_weight, which goes to its last "
            f"step as {name}__sample_weight, but {type(step).__name__}.fit takes "
            "no sample_weight. End the pipeline with an estimator whose fit "
            "does, e.g. make_pipeline(OneHotEncoder(), LogisticRegression())."
        )
        raise fail(msg)
    return {f"{name}__sample_weight": sample_weight}
