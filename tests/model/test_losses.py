"""Loss values checked against closed forms worked out by hand for tiny sequences."""

import math

import pytest
import torch

from videosync.model.losses import default_scale, neg_sq_distance, sesyn_loss
from videosync.tunables import DEFAULT_MU1, DEFAULT_MU2


def _two_frame_case(scale):
    """u = v = [0, 1] in 1-D; with s = scale:

    X^{uv} rows: [a, b] and [b, a] with a = 1/(1+e^-s), b = 1 - a, so F^vbar = [b, a].
    S^{vbar,u} = -s * [[b^2, a^2], [a^2, b^2]] (since 1-b = a). Each row's cross entropy with the
    diagonal target is log(1 + exp(-s (a^2 - b^2))) = log(1 + exp(-s (a - b))) as a + b = 1.
    Back-tracking: q = softmax weight on the diagonal = 1/(1 + exp(-s (a - b))),
    p = [1 - q, q], so |p - g| = 1 - q for both frames and |p1 - p0 - 1| = 2 (1 - q).
    """
    a = 1.0 / (1.0 + math.exp(-scale))
    b = 1.0 - a
    ce = math.log1p(math.exp(-scale * (a - b)))
    q = 1.0 / (1.0 + math.exp(-scale * (a - b)))
    return ce, 1.0 - q, 2.0 * (1.0 - q)


@pytest.mark.parametrize("scale", [1.0, 3.0])
def test_two_frames_closed_form(scale):
    f = torch.tensor([[[0.0], [1.0]]], dtype=torch.float64)
    ce, dev, intv = _two_frame_case(scale)
    out = sesyn_loss(f, f.clone(), scale=scale)
    assert out.identity.item() == pytest.approx(ce, rel=1e-12)
    assert out.deviation.item() == pytest.approx(dev, rel=1e-12)
    assert out.interval.item() == pytest.approx(intv, rel=1e-12)
    assert out.total.item() == pytest.approx(ce + DEFAULT_MU1 * dev + DEFAULT_MU2 * intv, rel=1e-12)
    summed = sesyn_loss(f, f.clone(), scale=scale, identity_reduction="sum")
    assert summed.identity.item() == pytest.approx(2 * ce, rel=1e-12)  # eq. 5 sums over m


def test_default_scale_is_tcc_channel_normalised_temperature():
    assert default_scale(2176) == pytest.approx(1 / 217.6)
    # with C = 2 features [x, 0] the default scale 1/(0.1*2) = 5 reproduces the closed form at s = 5
    f = torch.tensor([[[0.0, 0.0], [1.0, 0.0]]], dtype=torch.float64)
    ce, dev, intv = _two_frame_case(5.0)
    out = sesyn_loss(f, f.clone())
    assert out.identity.item() == pytest.approx(ce, rel=1e-12)
    assert out.deviation.item() == pytest.approx(dev, rel=1e-12)


def test_three_frames_perfectly_separated_gives_near_zero_deviation_and_interval():
    """Far-apart distinct frames: soft matching is exact, p = g = [0, 1, 2], all losses ~0."""
    f = torch.tensor([[[0.0], [10.0], [20.0]]], dtype=torch.float64)
    out = sesyn_loss(f, f.clone(), scale=1.0)
    assert out.identity.item() == pytest.approx(0.0, abs=1e-30)
    assert out.deviation.item() == pytest.approx(0.0, abs=1e-30)
    assert out.interval.item() == pytest.approx(0.0, abs=1e-30)


def test_identical_frames_give_uniform_matching():
    """All frames equal: every softmax is uniform, p_m = mean(g) = 1 for M = 3:
    identity = log 3, deviation = (1 + 0 + 1)/3, interval = (|0 - 1| + |0 - 1|)/2 = 1."""
    fu = torch.ones(1, 3, 2, dtype=torch.float64)
    fv = torch.ones(1, 4, 2, dtype=torch.float64)
    out = sesyn_loss(fu, fv, scale=1.0)
    assert out.identity.item() == pytest.approx(math.log(3))
    assert out.deviation.item() == pytest.approx(2 / 3)
    assert out.interval.item() == pytest.approx(1.0)


def test_padding_is_excluded():
    """The two-frame case padded with wild frames in u and v gives the unpadded values."""
    fu = torch.tensor([[[0.0], [1.0], [0.4], [-9.0]]], dtype=torch.float64)
    fv = torch.tensor([[[0.0], [1.0], [0.5]]], dtype=torch.float64)
    mu = torch.tensor([[True, True, False, False]])
    mv = torch.tensor([[True, True, False]])
    ce, dev, intv = _two_frame_case(2.0)
    out = sesyn_loss(fu, fv, mu, mv, scale=2.0)
    assert out.identity.item() == pytest.approx(ce, rel=1e-12)
    assert out.deviation.item() == pytest.approx(dev, rel=1e-12)
    assert out.interval.item() == pytest.approx(intv, rel=1e-12)


def test_batch_averages_pairs_of_different_lengths():
    short = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    uniform = torch.ones(3, 1, dtype=torch.float64)
    fu = torch.stack([torch.cat([short, torch.zeros(1, 1, dtype=torch.float64)]), uniform])
    mask = torch.tensor([[True, True, False], [True, True, True]])
    out = sesyn_loss(fu, fu.clone(), mask, mask, scale=1.0)
    ce, dev, intv = _two_frame_case(1.0)
    assert out.identity.item() == pytest.approx((ce + math.log(3)) / 2)
    assert out.deviation.item() == pytest.approx((dev + 2 / 3) / 2)
    assert out.interval.item() == pytest.approx((intv + 1.0) / 2)


def test_gradcheck():
    g = torch.Generator().manual_seed(0)
    fu = torch.randn(2, 4, 3, dtype=torch.float64, generator=g, requires_grad=True)
    fv = torch.randn(2, 5, 3, dtype=torch.float64, generator=g, requires_grad=True)
    mu = torch.tensor([[True] * 4, [True, True, True, False]])
    mv = torch.tensor([[True] * 5, [True, True, False, False, False]])
    assert torch.autograd.gradcheck(lambda a, b: sesyn_loss(a, b, mu, mv, scale=0.7).total, (fu, fv))


def test_backward_finite_on_realistic_size_with_padding():
    g = torch.Generator().manual_seed(1)
    fu = (torch.randn(2, 60, 2176, generator=g) * 3).requires_grad_()
    fv = (torch.randn(2, 70, 2176, generator=g) * 3).requires_grad_()
    mu = torch.ones(2, 60, dtype=torch.bool)
    mu[1, 40:] = False
    out = sesyn_loss(fu, fv, mu, None)
    out.total.backward()
    assert torch.isfinite(out.total) and torch.isfinite(fu.grad).all() and torch.isfinite(fv.grad).all()
    assert torch.all(fu.grad[1, 40:] == 0)  # padded frames receive no gradient
    assert set(out.as_floats()) == {"total", "identity", "deviation", "interval"}


def test_neg_sq_distance_by_hand():
    a = torch.tensor([[[0.0, 0.0], [1.0, 2.0]]])
    b = torch.tensor([[[3.0, 4.0]]])
    torch.testing.assert_close(neg_sq_distance(a, b), torch.tensor([[[-25.0], [-8.0]]]))


def test_bad_inputs():
    f = torch.zeros(1, 3, 2)
    with pytest.raises(ValueError):
        sesyn_loss(f, torch.zeros(1, 3, 4))
    with pytest.raises(ValueError):
        sesyn_loss(f, f, torch.tensor([[True, False, False]]))  # one real frame: no interval
    with pytest.raises(ValueError):
        sesyn_loss(f, f, identity_reduction="max")


def test_correspondence_loss_matches_a_hand_computed_cross_entropy():
    import math

    from videosync.model.losses import correspondence_loss

    # C = 1, scale 1: u = [0], v = [0, 1, 3]; logits -(0-v)^2 = [0, -1, -9]; partner is column 1
    fu = torch.tensor([[[0.0], [5.0]]])
    fv = torch.tensor([[[0.0], [1.0], [3.0]]])
    target = torch.tensor([[1, -1]])  # the second u frame has no partner and must not count
    got = correspondence_loss(fu, fv, target, scale=1.0)
    expected = -(-1 - math.log(math.exp(0) + math.exp(-1) + math.exp(-9)))
    assert float(got) == pytest.approx(expected, rel=1e-6)
    # a masked-out column is never a candidate: without column 2 the normaliser loses exp(-9)
    masked = correspondence_loss(fu, fv, target, torch.tensor([[True, True, False]]), scale=1.0)
    assert float(masked) == pytest.approx(-(-1 - math.log(1 + math.exp(-1))), rel=1e-6)
    # a row without a partner must not turn the loss into NaN even where column 0 is masked
    col0_masked = correspondence_loss(fu, fv, target, torch.tensor([[False, True, True]]), scale=1.0)
    assert torch.isfinite(col0_masked)
    assert float(col0_masked) == pytest.approx(-(-1 - math.log(math.exp(-1) + math.exp(-9))), rel=1e-4)
    with pytest.raises(ValueError):
        correspondence_loss(fu, fv, torch.tensor([[-1, -1]]), scale=1.0)
