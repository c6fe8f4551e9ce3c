package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Each model keeps its colour in every plot.
var modelColors = map[string]color.Color{
	"relu":         color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"leaky":        color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	"prelu-shared": color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"prelu-unit":   color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// colorOf is the colour of the i-th model: its own for the four plain
// activations, else one of plotutil's, by position.
func colorOf(name string, i int) color.Color {
	if c, ok := modelColors[name]; ok {
		return c
	}
	return plotutil.Color(i)
}

// layerDashes tells hidden layers apart: solid for the first, dashed for
// the second, and so on.
func layerDashes(l int) []vg.Length { return plotutil.Dashes(l) }

// writePlots writes the figures into c.out and returns their paths.
func writePlots(e *experiment) ([]string, error) {
	ext := ".svg"
	if e.c.png {
		ext = ".png"
	}
	figs := []struct {
		name string
		make func(*experiment) (*plot.Plot, error)
	}{
		{"loss", lossPlot},
		{"accuracy", accuracyPlot},
		{"dead", deadPlot},
		{"slopes", slopePlot},
		{"slopes-final", slopeHistogram},
	}
	var files []string
	for _, f := range figs {
		p, err := f.make(e)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", f.name, err)
		}
		if p == nil {
			continue // nothing to show (no trainable slopes)
		}
		path := filepath.Join(e.c.out, f.name+ext)
		if err := p.Save(7*vg.Inch, 4.2*vg.Inch, path); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}

// newPlot starts a plot against epochs, with room on the right for the
// legend.
func newPlot(e *experiment, title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	if e != nil {
		p.X.Min, p.X.Max = 0, float64(e.c.epochs)*1.3
		p.X.Tick.Marker = epochTicks{e.c.epochs}
	}
	return p
}

// epochTicks labels whole epochs up to the last one (the axis goes on past
// it to leave room for the legend).
type epochTicks struct{ epochs int }

func (t epochTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(1, t.epochs/10)
	var ticks []plot.Tick
	for e := 0; e <= t.epochs; e += step {
		ticks = append(ticks, plot.Tick{Value: float64(e), Label: fmt.Sprint(e)})
	}
	return ticks
}

// logTicks labels 1, 2 and 5 times the powers of ten in range.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Floor(math.Log10(lo)); math.Pow(10, k) <= hi; k++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, k)
			if v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	return ticks
}

func line(xy plotter.XYs, c color.Color, width vg.Length, dashes []vg.Length) (*plotter.Line, error) {
	l, err := plotter.NewLine(finite(xy))
	if err != nil {
		return nil, err
	}
	l.Color, l.Width, l.Dashes = c, width, dashes
	return l, nil
}

// finite drops the points a diverged run leaves (NaN or infinite).
func finite(xy plotter.XYs) plotter.XYs {
	out := xy[:0:0]
	for _, p := range xy {
		if !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0) {
			out = append(out, p)
		}
	}
	return out
}

// lossPlot is the training loss of every mini-batch, averaged over windows
// of a few batches so that about 200 points per model remain.
func lossPlot(e *experiment) (*plot.Plot, error) {
	p := newPlot(e, fmt.Sprintf("Training loss (mini-batches of %d, window means)", e.c.batch), "epoch", "cross-entropy (log scale)")
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	for _, r := range e.runs {
		win := max(1, len(r.Losses)/200)
		var xy plotter.XYs
		for lo := 0; lo+win <= len(r.Losses); lo += win {
			sum := 0.0
			for _, l := range r.Losses[lo : lo+win] {
				sum += float64(l)
			}
			if sum > 0 {
				xy = append(xy, plotter.XY{X: float64(lo+win) / float64(e.steps), Y: sum / float64(win)})
			}
		}
		l, err := line(xy, r.color, 1, nil)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		p.Legend.Add(r.Name, l)
	}
	return p, nil
}

func accuracyPlot(e *experiment) (*plot.Plot, error) {
	p := newPlot(e, "Test accuracy", "epoch", "accuracy (%)")
	for _, r := range e.runs {
		var xy plotter.XYs
		for _, rec := range r.Records[1:] {
			xy = append(xy, plotter.XY{X: float64(rec.Epoch), Y: 100 * float64(rec.TestAcc)})
		}
		l, err := line(xy, r.color, 1.5, nil)
		if err != nil {
			return nil, err
		}
		s, err := plotter.NewScatter(finite(xy))
		if err != nil {
			return nil, err
		}
		s.Color = r.color
		p.Add(l, s)
		p.Legend.Add(r.Name, l, s)
	}
	return p, nil
}

func deadPlot(e *experiment) (*plot.Plot, error) {
	p := newPlot(e, fmt.Sprintf("Units with pre-activation <= 0 on all %d probe images", min(e.c.probe, e.train.count())),
		"epoch", "units (%)")
	for _, r := range e.runs {
		for layer := range e.c.hidden {
			var xy plotter.XYs
			for _, rec := range r.Records {
				xy = append(xy, plotter.XY{X: float64(rec.Epoch), Y: 100 * float64(rec.Dead[layer])})
			}
			l, err := line(xy, r.color, 1.5, layerDashes(layer))
			if err != nil {
				return nil, err
			}
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s L%d", r.Name, layer+1), l)
		}
	}
	p.Y.Min, p.Y.Max = 0, math.Max(1, p.Y.Max*1.1)
	return p, nil
}

// slopePlot is the trajectory of the slopes of every trainable model and
// layer: the mean (thick) and, for one slope per unit, the min and max
// (thin), with the 0.1 and 0.3 of the claim in grey.
func slopePlot(e *experiment) (*plot.Plot, error) {
	p := newPlot(e, "Learned slopes: mean (thick), min and max (thin)", "epoch", "slope")
	any := false
	for _, r := range e.runs {
		if r.act.frozen {
			continue
		}
		any = true
		for layer := range e.c.hidden {
			var mean, lo, hi plotter.XYs
			for _, sp := range r.Slopes {
				s := sp.Layers[layer]
				mean = append(mean, plotter.XY{X: sp.Epoch, Y: float64(s.Mean)})
				lo = append(lo, plotter.XY{X: sp.Epoch, Y: float64(s.Min)})
				hi = append(hi, plotter.XY{X: sp.Epoch, Y: float64(s.Max)})
			}
			c, dash := r.color, layerDashes(layer)
			l, err := line(mean, c, 2, dash)
			if err != nil {
				return nil, err
			}
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s L%d", r.Name, layer+1), l)
			if r.act.perUnit {
				for _, xy := range []plotter.XYs{lo, hi} {
					t, err := line(xy, c, 0.5, dash)
					if err != nil {
						return nil, err
					}
					p.Add(t)
				}
			}
		}
	}
	if !any {
		return nil, nil
	}
	for _, y := range []float64{0.1, 0.3} {
		g, err := line(plotter.XYs{{X: 0, Y: y}, {X: float64(e.c.epochs), Y: y}}, color.Gray{Y: 0x99}, 1, []vg.Length{vg.Points(2), vg.Points(2)})
		if err != nil {
			return nil, err
		}
		p.Add(g)
	}
	return p, nil
}

// slopeHistogram is the distribution of the per-unit slopes at the end.
func slopeHistogram(e *experiment) (*plot.Plot, error) {
	var r *modelRun
	for _, run := range e.runs {
		if run.act.perUnit && !run.act.frozen {
			r = run
		}
	}
	if r == nil {
		return nil, nil
	}
	p := newPlot(nil, fmt.Sprintf("%s: slopes of the %s units after %d epochs", r.Name, joinInts(e.c.hidden), e.c.epochs), "slope", "units")
	fills := []color.Color{color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0x90}, color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0x90}, color.NRGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0x90}}
	// The same bins for every layer, so that the bars line up.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, alpha := range r.Final {
		for _, a := range alpha {
			if v := float64(a); !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		return p, nil // every slope NaN: a diverged run
	}
	const bins = 40
	width := math.Max(hi-lo, 1e-3) / bins
	for layer, alpha := range r.Final {
		h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width, FillColor: fills[layer%len(fills)]}
		for i := range h.Bins {
			h.Bins[i].Min, h.Bins[i].Max = lo+float64(i)*width, lo+float64(i+1)*width
		}
		for _, a := range alpha {
			if v := float64(a); !math.IsNaN(v) && !math.IsInf(v, 0) {
				h.Bins[min(bins-1, int((v-lo)/width))].Weight++
			}
		}
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("L%d", layer+1), h)
	}
	return p, nil
}

func joinInts(v []int) string {
	s := ""
	for i, n := range v {
		if i > 0 {
			s += "+"
		}
		s += fmt.Sprint(n)
	}
	return s
}
