package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// plotWorkers writes the workers suite's speed-ups (time on 1 worker over
// time on N) against n (log axis): a line per op, the ceiling (copy() on N
// goroutines against one) in black, and dashed guides at 1x and Nx. It
// returns the file's path.
func plotWorkers(c config, rs []workersResult) (string, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("-suite workers (f32, %s): speed-up on %d workers", c.isa, c.workers)
	p.X.Label.Text = "n (elements)"
	p.Y.Label.Text = "time on 1 / time on " + fmt.Sprint(c.workers)
	p.X.Scale = plot.LogScale{}
	p.Y.Tick.Marker = speedUpTicks{}

	var ticks []plot.Tick
	lines := map[string]plotter.XYs{}
	lo, hi, xlo, xhi := 1.0, float64(c.workers), math.Inf(1), 0.0
	for _, r := range rs {
		if len(ticks) == 0 || ticks[len(ticks)-1].Value != float64(r.N) {
			ticks = append(ticks, plot.Tick{Value: float64(r.N), Label: fmtCount(r.N)})
		}
		name := r.Op
		if r.Op == "copy" {
			name = "ceiling"
		}
		lines[name] = append(lines[name], plotter.XY{X: float64(r.N), Y: r.SpeedUp})
		lo, hi = math.Min(lo, r.SpeedUp), math.Max(hi, r.SpeedUp)
		xlo, xhi = math.Min(xlo, float64(r.N)), math.Max(xhi, float64(r.N))
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	xlo, xhi = xlo/1.5, xhi*1.5
	p.X.Min, p.X.Max = xlo, xhi
	p.Y.Min, p.Y.Max = math.Min(lo*0.9, 0.8), hi*1.1

	for _, g := range []struct {
		y     float64
		label string
	}{{1, "1x: no gain"}, {float64(c.workers), fmt.Sprintf("%dx: linear", c.workers)}} {
		guide, err := plotter.NewLine(plotter.XYs{{X: xlo, Y: g.y}, {X: xhi, Y: g.y}})
		if err != nil {
			return "", err
		}
		guide.Color = color.Gray{Y: 170}
		guide.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(guide)
		p.Legend.Add(g.label, guide)
	}

	ceiling, points, err := plotter.NewLinePoints(lines["ceiling"])
	if err != nil {
		return "", err
	}
	ceiling.Color, points.Color = color.Black, color.Black
	ceiling.Width = vg.Points(2)
	points.Shape = plotutil.Shape(0)
	p.Add(ceiling, points)
	p.Legend.Add("ceiling: copy()", ceiling, points)
	for i, op := range workersOps {
		l, pts, err := plotter.NewLinePoints(lines[op])
		if err != nil {
			return "", err
		}
		l.Color, pts.Color = plotutil.Color(i), plotutil.Color(i)
		pts.Shape = plotutil.Shape(i + 1)
		p.Add(l, pts)
		p.Legend.Add(op, l, pts)
	}
	path := c.out + "-workers.svg"
	if c.png {
		path = c.out + "-workers.png"
	}
	return path, savePlot(p, 8*vg.Inch, 4.5*vg.Inch, path)
}

// speedUpTicks labels a linear axis of speed-ups every 0.25x, 0.5x or 1x,
// whichever gives at most 12 ticks.
type speedUpTicks struct{}

func (speedUpTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 0.25
	for (hi-lo)/step > 12 {
		step *= 2
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprintf("%gx", v)})
	}
	return ticks
}
