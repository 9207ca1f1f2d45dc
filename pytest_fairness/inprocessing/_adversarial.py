"""Adversarial debiasing (Zhang, Lemoine & Mitchell, 2018) on the CPU build of torch."""

from __future__ import annotations

import contextlib
import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._optional import import_optional
from pytest_fairness.inprocessing._base import LogitClassifier
from pytest_fairness.inprocessing._params import (
    check_choice_param,
    check_int_param,
    check_random_state,
    check_real,
    is_int_at_least,
    param_error,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

    from numpy.typing import ArrayLike, NDArray
    from sklearn.utils import Tags

__all__ = ["AdversarialDebiasingClassifier"]

CRITERIA = ("demographic_parity", "equalized_odds")


def _torch() -> ModuleType:
    return import_optional(
        "torch", extra="torch", purpose="AdversarialDebiasingClassifier"
    )


@contextlib.contextmanager
def _deterministic(torch: ModuleType, seed: int) -> Iterator[None]:
    """Seed torch and run on one thread with deterministic kernels, then restore.

    The caller's global torch state (random generator, thread count,
    deterministic-algorithms flag) is left as it was.
    """
    threads = torch.get_num_threads()
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(was_deterministic)
            torch.set_num_threads(threads)


def _glorot(
    rng: np.random.Generator, sizes: list[int]
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Draw Glorot-uniform weights and zero biases for a chain of layer sizes."""
    coefs, intercepts = [], []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, size=(fan_in, fan_out)))
        intercepts.append(np.zeros(fan_out))
    return coefs, intercepts


def _forward(
    X: NDArray[np.float64],
    coefs: list[NDArray[np.float64]],
    intercepts: list[NDArray[np.float64]],
) -> NDArray[np.float64]:
    """Run the predictor in numpy: ReLU hidden layers, a linear output logit."""
    h = X
    for i, (w, b) in enumerate(zip(coefs, intercepts, strict=True)):
        h = h @ w + b
        if i < len(coefs) - 1:
            h = np.maximum(h, 0.0)
    return h[:, 0]


class AdversarialDebiasingClassifier(LogitClassifier):
    r"""A neural classifier trained against an adversary that guesses the group.

    The predictor (a small ReLU network) learns the labels while an
    adversary learns to recover each row's intersectional group from the
    predictor's output. The predictor's update removes the part of its
    gradient that would help the adversary and pushes against it, so its
    output carries less information about the group (Zhang, Lemoine &
    Mitchell, 2018). Needs the ``torch`` extra; runs on the CPU.

    Parameters
    ----------
    adversary_loss_weight : float, default=1.0
        Weight ``alpha`` of the adversary's loss in the predictor's update
        (>= 0). 0 trains the same network without an adversary, a baseline.
    criterion : str, default="demographic_parity"
        What the adversary sees: ``"demographic_parity"``, the predictor's
        logit; ``"equalized_odds"``, the logit together with the true label
        (the output should carry no group information within each class).
    hidden_layer_sizes : tuple of int, default=(16,)
        Hidden layers of the predictor; ``()`` makes it a logistic
        regression.
    adversary_hidden_layer_sizes : tuple of int, default=()
        Hidden layers of the adversary; ``()`` is a multinomial logistic
        regression on its inputs.
    epochs : int, default=50
        Passes over the training data.
    batch_size : int, default=256
        Rows per gradient step.
    learning_rate : float, default=0.01
        Adam's step size, for both networks (> 0).
    alpha_l2 : float, default=1e-4
        L2 penalty on the predictor's weights (>= 0).
    random_state : int or None, default=0
        Seed of the initial weights and of the batch order. A fixed seed gives
        bit-identical fits (torch runs single-threaded with deterministic
        kernels during ``fit``); None draws a fresh seed.
    sensitive_feature_ids : int, str, list or None, default=None
        Columns of ``X`` (positions, or names of DataFrame columns) holding
        the sensitive features. They define the groups and are not model
        inputs. Leave None to pass ``sensitive_features=`` to :meth:`fit`.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the positive class.
    coefs_ : list of ndarray
        Weight matrices of the predictor, layer by layer.
    intercepts_ : list of ndarray
        Bias vectors of the predictor.
    groups_ : tuple of tuple
        The intersectional groups seen at fit time (the adversary's classes).
    loss_curve_ : list of float
        The predictor's mean log-loss in each epoch.
    adversary_loss_curve_ : list of float
        The adversary's mean cross-entropy in each epoch (its log-loss for
        guessing the group; higher means the output hides the group better).
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of columns of ``X`` seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has them.

    See Also
    --------
    FairnessRegularizedClassifier : A convex alternative with explicit penalties.

    Notes
    -----
    With ``g_P`` the gradient of the predictor's log-loss and ``g_A`` the
    gradient of the adversary's loss, both with respect to the predictor's
    weights, the predictor steps along

    .. math:: g_P - \mathrm{proj}_{g_A}\, g_P - \alpha\, g_A

    (the paper's update): the projection removes any component of its step
    that would help the adversary, and the last term makes the adversary's
    task harder. The adversary then takes one step on its own loss. One
    refinement keeps the game stable: the last term is dropped on batches
    where the adversary already does worse than guessing each row's group
    from the group shares (its cross-entropy exceeds their entropy). Past
    that point a larger adversary loss only means a confidently wrong
    adversary, which the predictor gets by encoding the group with the
    opposite sign; without the guard, large ``alpha`` made the output reveal
    the group more than the baseline did. Training is minibatch Adam;
    predictions run in numpy from the stored weights, so :meth:`predict`
    does not need torch. Scale the features first (e.g.
    :class:`~sklearn.preprocessing.StandardScaler`).

    References
    ----------
    B. H. Zhang, B. Lemoine and M. Mitchell (2018), "Mitigating Unwanted
    Biases with Adversarial Learning", AIES.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.inprocessing import AdversarialDebiasingClassifier
    >>> rng = np.random.default_rng(0)
    >>> group = rng.integers(0, 2, 400)
    >>> X = np.column_stack([rng.normal(size=400) + group, rng.normal(size=400)])
    >>> y = (X[:, 0] + rng.normal(size=400) > 0.5).astype(int)
    >>> clf = AdversarialDebiasingClassifier(epochs=5).fit(
    ...     X, y, sensitive_features=group
    ... )
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        *,
        adversary_loss_weight: float = 1.0,
        criterion: str = "demographic_parity",
        hidden_layer_sizes: tuple[int, ...] = (16,),
        adversary_hidden_layer_sizes: tuple[int, ...] = (),
        epochs: int = 50,
        batch_size: int = 256,
        learning_rate: float = 0.01,
        alpha_l2: float = 1e-4,
        random_state: int | None = 0,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.adversary_loss_weight = adversary_loss_weight
        self.criterion = criterion
        self.hidden_layer_sizes = hidden_layer_sizes
        self.adversary_hidden_layer_sizes = adversary_hidden_layer_sizes
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.alpha_l2 = alpha_l2
        self.random_state = random_state
        self.sensitive_feature_ids = sensitive_feature_ids

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    def _layers(self, name: str, value: Any) -> list[int]:
        try:
            sizes = list(value)
        except TypeError:
            raise param_error(
                self, name, value, "a tuple of positive integers"
            ) from None
        if not all(is_int_at_least(s, 1) for s in sizes):
            raise param_error(self, name, value, "a tuple of positive integers")
        return [int(s) for s in sizes]

    def _check_params(self) -> None:
        check_real(self, "adversary_loss_weight", self.adversary_loss_weight, low=0.0)
        check_choice_param(self, "criterion", self.criterion, CRITERIA)
        self._layers("hidden_layer_sizes", self.hidden_layer_sizes)
        self._layers("adversary_hidden_layer_sizes", self.adversary_hidden_layer_sizes)
        check_int_param(self, "epochs", self.epochs, minimum=1)
        check_int_param(self, "batch_size", self.batch_size, minimum=1)
        check_real(self, "learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_real(self, "alpha_l2", self.alpha_l2, low=0.0)
        check_random_state(self, self.random_state)

    def fit(
        self, X: ArrayLike, y: ArrayLike, *, sensitive_features: Any = None
    ) -> AdversarialDebiasingClassifier:
        """Train the predictor against the adversary.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training inputs (scaled).
        y : array-like of shape (n_samples,)
            Binary labels (two distinct values).
        sensitive_features : array-like, Series, DataFrame or dict, optional
            The sensitive column(s), one value per row; the adversary
            guesses their intersection. Required unless
            ``sensitive_feature_ids`` names columns of ``X``.

        Returns
        -------
        AdversarialDebiasingClassifier
            The fitted estimator.

        Raises
        ------
        FairnessValueError
            On a bad parameter, a target that is not binary, or missing
            sensitive features.
        ImportError
            When torch is not installed (``pip install
            "pytest-fairness[torch]"``).
        """
        self._check_params()
        data = self._fit_data(X, y, sensitive_features)
        torch = _torch()
        seed = (
            int(np.random.default_rng().integers(2**31))
            if self.random_state is None
            else int(self.random_state)
        )
        with _deterministic(torch, seed):
            result = self._train(torch, data.X, data.y, data.codes, data.n_groups, seed)
        coefs, intercepts, losses, adv_losses = result
        self._record_fit(data)
        self.coefs_ = coefs
        self.intercepts_ = intercepts
        self.loss_curve_ = losses
        self.adversary_loss_curve_ = adv_losses
        self.n_iter_ = int(self.epochs)
        return self

    def _train(
        self,
        torch: ModuleType,
        X: NDArray[np.float64],
        y: NDArray[np.float64],
        codes: NDArray[np.intp],
        n_groups: int,
        seed: int,
    ) -> tuple[
        list[NDArray[np.float64]], list[NDArray[np.float64]], list[float], list[float]
    ]:
        # separate streams: the predictor's start and the batch order do not
        # depend on the adversary's shape, so adversary_loss_weight=0 trains
        # exactly the same network as a baseline
        init_pred, init_adv, batches = (
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
        )
        n, d = X.shape
        sizes = [d, *self._layers("hidden_layer_sizes", self.hidden_layer_sizes), 1]
        n_adv_in = 1 if self.criterion == "demographic_parity" else 3
        adv_sizes = [
            n_adv_in,
            *self._layers(
                "adversary_hidden_layer_sizes", self.adversary_hidden_layer_sizes
            ),
            max(n_groups, 2),
        ]
        init_p = _glorot(init_pred, sizes)
        init_a = _glorot(init_adv, adv_sizes)

        def params(init: tuple[list[Any], list[Any]]) -> list[Any]:
            out = []
            for w, b in zip(*init, strict=True):
                out.append(torch.tensor(w, dtype=torch.float32, requires_grad=True))
                out.append(torch.tensor(b, dtype=torch.float32, requires_grad=True))
            return out

        pred_params = params(init_p)
        adv_params = params(init_a)

        def run(ps: list[Any], h: Any) -> Any:
            n_layers = len(ps) // 2
            for i in range(n_layers):
                h = h @ ps[2 * i] + ps[2 * i + 1]
                if i < n_layers - 1:
                    h = torch.relu(h)
            return h

        lr = float(self.learning_rate)
        opt_p = torch.optim.Adam(pred_params, lr=lr)
        opt_a = torch.optim.Adam(adv_params, lr=lr)
        Xt = torch.tensor(X, dtype=torch.float32)
        yt = torch.tensor(y, dtype=torch.float32)
        gt = torch.tensor(codes, dtype=torch.int64)
        alpha = float(self.adversary_loss_weight)
        l2 = float(self.alpha_l2)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        ce = torch.nn.functional.cross_entropy
        adversarial = alpha > 0 and n_groups > 1
        batch = int(self.batch_size)
        shares = np.bincount(codes, minlength=n_groups) / n
        shares = shares[shares > 0]
        prior_entropy = float(-(shares * np.log(shares)).sum())
        losses: list[float] = []
        adv_losses: list[float] = []

        def adversary_input(logit: Any, yb: Any) -> Any:
            z = logit.unsqueeze(1)
            if self.criterion == "demographic_parity":
                return z
            yb = yb.unsqueeze(1)
            return torch.cat([z, z * yb, z * (1.0 - yb)], dim=1)

        for _ in range(int(self.epochs)):
            order = batches.permutation(n)
            total_p = total_a = 0.0
            for start in range(0, n, batch):
                idx = torch.from_numpy(order[start : start + batch])
                xb, yb, gb = Xt[idx], yt[idx], gt[idx]
                logit = run(pred_params, xb)[:, 0]
                loss_p = bce(logit, yb)
                penalty = sum(
                    (w**2).sum() for w in pred_params[0::2]
                )  # weights only, as sklearn's MLP
                objective = loss_p + l2 * penalty / 2.0
                if adversarial:
                    loss_a = ce(run(adv_params, adversary_input(logit, yb)), gb)
                    g_p = torch.autograd.grad(objective, pred_params, retain_graph=True)
                    g_a = torch.autograd.grad(loss_a, pred_params)
                    flat_p = torch.cat([g.reshape(-1) for g in g_p])
                    flat_a = torch.cat([g.reshape(-1) for g in g_a])
                    norm = flat_a @ flat_a
                    proj = (flat_p @ flat_a) / norm * flat_a if norm > 0 else 0.0
                    # push only while the adversary beats guessing from the group
                    # shares: beyond that, raising its loss makes it confidently
                    # wrong, and the output leaks the group again (sign flipped)
                    push = alpha if float(loss_a.detach()) < prior_entropy else 0.0
                    step = flat_p - proj - push * flat_a
                    offset = 0
                    for p in pred_params:
                        size = p.numel()
                        p.grad = step[offset : offset + size].reshape(p.shape).detach()
                        offset += size
                    opt_p.step()
                    # the adversary learns from the predictor's current output
                    opt_a.zero_grad()
                    with torch.no_grad():
                        fresh = run(pred_params, xb)[:, 0]
                    loss_a2 = ce(run(adv_params, adversary_input(fresh, yb)), gb)
                    loss_a2.backward()
                    opt_a.step()
                    total_a += float(loss_a2.detach()) * len(idx)
                else:
                    opt_p.zero_grad()
                    objective.backward()
                    opt_p.step()
                total_p += float(loss_p.detach()) * len(idx)
            losses.append(total_p / n)
            adv_losses.append(total_a / n if adversarial else float("nan"))
        coefs = [p.detach().numpy().astype(np.float64) for p in pred_params[0::2]]
        intercepts = [p.detach().numpy().astype(np.float64) for p in pred_params[1::2]]
        return coefs, intercepts, losses, adv_losses

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return the predictor's logit for the positive class.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Inputs, with the columns seen in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples,)
            Positive values predict ``classes_[1]``.
        """
        return _forward(self._model_inputs(X), self.coefs_, self.intercepts_)
