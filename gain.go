package prelu

import "math"

// Gain is the gain of He et al. (2015) for a PReLU (or Leaky ReLU) with the
// given slope: sqrt(2 / (1 + slope^2)). Drawing a layer's weights with
// standard deviation Gain(a) / sqrt(fan_in) keeps the variance of the
// activations from layer to layer when the following activation has slope a,
// as PyTorch's calculate_gain("leaky_relu", a) and kaiming_normal_ do.
// Gain(0) is the ReLU gain sqrt(2), Gain(1) (linear) is 1, Gain(-a) is
// Gain(a); Gain(NaN) is NaN and Gain(±Inf) is 0. It is computed as
// sqrt(2) / hypot(1, slope), which does not overflow for large slopes.
func Gain(slope float64) float64 {
	return math.Sqrt2 / math.Hypot(1, slope)
}
