"""CTGAN's batched one-hot blocks and packed critic against the computations they replace."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.nn import functional  # noqa: E402

from simulacra.synth.neural._nets import (  # noqa: E402
    MLP,
    CTGANNet,
    LeakyMLP,
    OneHotBlocks,
    PackedCritic,
    fidelity_gap,
)

pytestmark = pytest.mark.neural

N_CONT = 3
WIDTHS = [2, 1, 5, 2, 3, 1, 7, 3, 2, 12, 5]  # widths repeat, out of order, ones included


def _blocks(start: int, widths: list[int]) -> list[tuple[int, int]]:
    firsts = start + np.concatenate([[0], np.cumsum(widths)[:-1]])
    return [(int(s), k) for s, k in zip(firsts, widths, strict=True)]


def _net(width: int) -> CTGANNet:
    return CTGANNet(width, 0, 4, 8, 1, 8, 1, 1, np.random.default_rng(0))


def _reference_activate(raw: torch.Tensor, blocks: list[tuple[int, int]],
                        gen: torch.Generator, tau: float) -> torch.Tensor:
    """The per-block Gumbel softmax, one draw of uniforms per block."""
    parts = [torch.tanh(raw[:, :N_CONT])]
    for start, k in blocks:
        u = torch.rand((raw.shape[0], k), generator=gen, dtype=raw.dtype)
        gumbel = -torch.log(-torch.log(u.clamp_min(1e-10)))
        parts.append(functional.softmax((raw[:, start:start + k] + gumbel) / tau, dim=1))
    return torch.cat(parts, dim=1)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_batched_gumbel_softmax_equals_the_per_block_one(dtype: torch.dtype) -> None:
    blocks = _blocks(N_CONT, WIDTHS)
    width = N_CONT + sum(WIDTHS)
    raw = (3.0 * torch.randn((40, width), dtype=dtype,
                             generator=torch.Generator().manual_seed(1))).requires_grad_(True)
    gen = torch.Generator().manual_seed(7)
    out = _net(width).activate(raw, OneHotBlocks(N_CONT, blocks), gen, tau=0.2, tanh=True)
    # the same uniforms as one draw per block, block after block
    ref = _reference_activate(raw, blocks, torch.Generator().manual_seed(7), 0.2)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {}
    torch.testing.assert_close(out, ref, **tol)
    for start, k in blocks:  # each block is a distribution
        torch.testing.assert_close(out[:, start:start + k].sum(1),
                                   torch.ones(40, dtype=dtype), **tol)
    weights = torch.randn(out.shape, dtype=dtype, generator=torch.Generator().manual_seed(2))
    grad, = torch.autograd.grad((out * weights).sum(), raw)
    ref_grad, = torch.autograd.grad((ref * weights).sum(), raw)
    torch.testing.assert_close(grad, ref_grad, **tol)


def test_activate_is_reproducible_and_handles_no_blocks() -> None:
    blocks = OneHotBlocks(N_CONT, _blocks(N_CONT, WIDTHS))
    raw = torch.randn((10, N_CONT + sum(WIDTHS)))
    net = _net(raw.shape[1])
    a = net.activate(raw, blocks, torch.Generator().manual_seed(3))
    b = net.activate(raw, blocks, torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(a[:, :N_CONT], raw[:, :N_CONT], rtol=0, atol=0)  # no tanh
    only = net.activate(raw[:, :N_CONT], OneHotBlocks(N_CONT, []), torch.Generator())
    torch.testing.assert_close(only, raw[:, :N_CONT], rtol=0, atol=0)


def test_condition_loss_equals_the_per_block_log_softmax() -> None:
    start = N_CONT + 4  # the condition's blocks start after a mode block of 4
    blocks = _blocks(start, WIDTHS)
    raw = (3.0 * torch.randn((60, start + sum(WIDTHS)), dtype=torch.float64)).requires_grad_(True)
    chosen = torch.randint(0, sum(WIDTHS), (60,), generator=torch.Generator().manual_seed(4))
    loss = CTGANNet.condition_loss(raw, OneHotBlocks(start, blocks), chosen)
    logp = torch.cat([functional.log_softmax(raw[:, s:s + k], dim=1) for s, k in blocks], dim=1)
    ref = -logp.gather(1, chosen[:, None]).mean()
    torch.testing.assert_close(loss, ref)
    grad, = torch.autograd.grad(loss, raw)
    ref_grad, = torch.autograd.grad(ref, raw)
    torch.testing.assert_close(grad, ref_grad)


def test_blocks_must_lie_end_to_end() -> None:
    with pytest.raises(ValueError, match="end to end"):
        OneHotBlocks(2, [(2, 3), (6, 2)])
    with pytest.raises(ValueError, match="end to end"):
        OneHotBlocks(2, [(3, 3)])


def test_fidelity_gap_equals_the_per_block_total_variation() -> None:
    gen = torch.Generator().manual_seed(5)
    blocks = _blocks(N_CONT, WIDTHS)
    width = N_CONT + sum(WIDTHS)
    fake, real = (torch.rand((50, width), generator=gen, dtype=torch.float64) for _ in range(2))
    gaps = (fake[:, :N_CONT].sort(0).values - real[:, :N_CONT].sort(0).values).abs().mean(0)
    tv = [0.5 * (fake[:, s:s + k].mean(0) - real[:, s:s + k].mean(0)).abs().sum()
          for s, k in blocks]
    marginal = torch.cat([gaps, torch.stack(tv)]).mean()
    corr = (torch.corrcoef(fake.T) - torch.corrcoef(real.T)).abs().mean()
    assert fidelity_gap(fake, real, N_CONT, blocks) == pytest.approx(float(marginal + corr))


def test_critic_gradient_penalty_equals_the_one_through_leaky_relu() -> None:
    critic = LeakyMLP([6, 5, 4, 1], np.random.default_rng(0)).double()
    x = torch.randn((8, 6), dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    x[0, :] = 0.0  # a row of zeros
    grads = []
    for forward in (critic.forward, lambda rows: _leaky_reference(critic, rows)):
        rows = x.clone().requires_grad_(True)
        scores = forward(rows)
        slopes, = torch.autograd.grad(scores.sum(), rows, create_graph=True)
        loss = scores.mean() + ((slopes.norm(2, dim=1) - 1) ** 2).mean()
        grads.append(torch.autograd.grad(loss, list(critic.parameters())))
    for ours, ref in zip(*grads, strict=True):
        torch.testing.assert_close(ours, ref)


def _leaky_reference(critic: LeakyMLP, x: torch.Tensor) -> torch.Tensor:
    last = len(critic.weights) - 1
    for i, (w, b) in enumerate(zip(critic.weights, critic.biases, strict=True)):
        x = functional.linear(x, w, b)
        if i < last:
            x = functional.leaky_relu(x, 0.2)
    return x


def _dense_critic(critic: PackedCritic, width: int, cond_width: int) -> LeakyMLP:
    """The critic as one LeakyReLU MLP over pac (row, condition one-hot) pairs end to end."""
    pac, size = critic.pac, critic.bias.shape[0]
    first = torch.cat([critic.row_weight.reshape(size, pac, width),
                       critic.cond_weight.reshape(pac, cond_width, size).permute(2, 0, 1)],
                      dim=2).reshape(size, pac * (width + cond_width))
    sizes = [pac * (width + cond_width), size, *[w.shape[0] for w in critic.rest.weights]]
    dense = LeakyMLP(sizes, np.random.default_rng(1)).double()
    with torch.no_grad():
        dense.weights[0].copy_(first)
        dense.biases[0].copy_(critic.bias)
        for w, b, w_src, b_src in zip(dense.weights[1:], dense.biases[1:], critic.rest.weights,
                                      critic.rest.biases, strict=True):
            w.copy_(w_src)
            b.copy_(b_src)
    return dense


@pytest.mark.parametrize(("cond_width", "hidden"), [(4, [5, 3]), (0, [5]), (3, [])])
def test_packed_critic_equals_the_dense_one(cond_width: int, hidden: list[int]) -> None:
    """Scores, the gradient penalty and every weight's gradient match the dense critic's."""
    width, pac, rows = 6, 3, 12
    critic = PackedCritic(width, cond_width, hidden, pac, np.random.default_rng(0)).double()
    dense = _dense_critic(critic, width, cond_width)
    g = torch.Generator().manual_seed(3)
    real = torch.randn((rows, width), dtype=torch.float64, generator=g)
    fake = torch.randn((rows, width), dtype=torch.float64, generator=g)
    chosen = torch.randint(0, cond_width, (rows,), generator=g) if cond_width else None
    onehot = (functional.one_hot(chosen, cond_width).double() if chosen is not None
              else real.new_zeros((rows, 0)))

    conditions = critic.conditions(chosen)
    packed_scores = critic(torch.cat([fake, real]),
                           None if conditions is None else conditions.repeat(2, 1))
    packed = (packed_scores.sum()
              + critic.gradient_penalty(real, fake, conditions, torch.Generator().manual_seed(9)))

    real_c, fake_c = torch.cat([real, onehot], 1), torch.cat([fake, onehot], 1)
    dense_scores = dense(torch.cat([fake_c, real_c]).reshape(-1, pac * (width + cond_width)))
    alpha = torch.rand((rows // pac, 1, 1), generator=torch.Generator().manual_seed(9),
                       dtype=torch.float64)
    alpha = alpha.expand(rows // pac, pac, width + cond_width).reshape(rows, -1)
    mixed = (alpha * real_c + (1 - alpha) * fake_c).reshape(rows // pac, -1).requires_grad_(True)
    slopes, = torch.autograd.grad(dense(mixed).sum(), mixed, create_graph=True)
    reference = dense_scores.sum() + 10.0 * ((slopes.norm(2, dim=1) - 1) ** 2).mean()

    torch.testing.assert_close(packed_scores, dense_scores)
    torch.testing.assert_close(packed, reference)
    row, cond, bias, *rest = torch.autograd.grad(
        packed, [critic.row_weight, critic.cond_weight, critic.bias, *critic.rest.weights,
                 *critic.rest.biases], allow_unused=True, materialize_grads=True)
    ref_first, ref_bias, *ref_rest = torch.autograd.grad(
        reference, [dense.weights[0], dense.biases[0], *dense.weights[1:], *dense.biases[1:]])
    size = critic.bias.shape[0]
    per_row = ref_first.reshape(size, pac, width + cond_width)
    torch.testing.assert_close(row, per_row[:, :, :width].reshape(size, -1))
    torch.testing.assert_close(
        cond, per_row[:, :, width:].permute(1, 2, 0).reshape(pac * cond_width, size))
    torch.testing.assert_close(bias, ref_bias)
    for ours, ref in zip(rest, ref_rest, strict=True):
        torch.testing.assert_close(ours, ref)


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("hidden", [[], [5], [6, 4]])
def test_numpy_forward_equals_the_torch_one(residual: bool, hidden: list[int]) -> None:
    """Sampling runs saved weights in numpy; both layouts must give the torch output."""
    from simulacra.synth.neural._decode import mlp_numpy

    net = MLP([7, *hidden, 3], np.random.default_rng(0), residual=residual)
    x = torch.randn((9, 7), generator=torch.Generator().manual_seed(2))
    state = {f"g.{k}": v.detach().numpy() for k, v in net.state_dict().items()}
    np.testing.assert_allclose(mlp_numpy(state, "g", x.numpy()), net(x).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    if residual and hidden:  # every hidden layer's output reaches the last layer
        assert net.weights[-1].shape[1] == 7 + sum(hidden)
