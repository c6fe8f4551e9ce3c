package main

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotSuite writes a dot chart of the time ratio to copy() (log axis) per
// shape, the shapes grouped by network left to right: one series per op
// (colour) and ISA (marker), spread a little apart within each shape's
// slot, with copy() itself at 1. It returns the file's path.
func plotSuite(c config, name, elem string, rs []suiteResult) (string, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("prelubench -suite %s (%s): time / copy() time of the same n, lower is better", name, elem)
	p.Y.Label.Text = "time / copy() time"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = ratioTicks{}
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.X.Tick.Label.Font.Size = vg.Points(8)

	// Slots: one per shape, a gap between groups.
	type slotKey struct{ net, shape string }
	slot := map[slotKey]float64{}
	var ticks []plot.Tick
	var groupStarts []float64
	var groupNames []string
	x, lo, hi := 0.0, math.Inf(1), 0.0
	for _, r := range rs {
		k := slotKey{r.Net, r.Shape}
		if _, ok := slot[k]; ok {
			continue
		}
		if len(groupNames) == 0 || groupNames[len(groupNames)-1] != r.Net {
			if len(groupNames) > 0 {
				x++
			}
			groupNames = append(groupNames, r.Net)
			groupStarts = append(groupStarts, x)
		}
		slot[k] = x
		ticks = append(ticks, plot.Tick{Value: x, Label: r.Shape})
		x++
	}
	for _, r := range rs {
		lo, hi = math.Min(lo, r.Ratio), math.Max(hi, r.Ratio)
	}
	lo, hi = math.Min(lo, 1)/1.3, math.Max(hi, 1)*1.6
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = -1, x
	p.Y.Min, p.Y.Max = lo, hi

	// copy() is 1; a dashed line between the groups.
	one, err := plotter.NewLine(plotter.XYs{{X: -1, Y: 1}, {X: x, Y: 1}})
	if err != nil {
		return "", err
	}
	one.Color = color.Gray{Y: 80}
	p.Add(one)
	p.Legend.Add("copy()", one)
	var labels plotter.XYLabels
	for i, start := range groupStarts {
		if i > 0 {
			sep, err := plotter.NewLine(plotter.XYs{{X: start - 1, Y: lo}, {X: start - 1, Y: hi}})
			if err != nil {
				return "", err
			}
			sep.Color = color.Gray{Y: 170}
			sep.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
			p.Add(sep)
		}
		// Every other name a line lower: a narrow group's long name
		// (mobilefacenet) would run into the next one's.
		y := hi / 1.15
		if i%2 == 1 {
			y = hi / 1.4
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: start - 0.4, Y: y})
		labels.Labels = append(labels.Labels, groupNames[i])
	}
	names, err := plotter.NewLabels(labels)
	if err != nil {
		return "", err
	}
	p.Add(names)

	// One series per op and ISA.
	var series []string
	points := map[string]plotter.XYs{}
	var ops, isas []string
	for _, r := range rs {
		s := r.Op + " " + r.ISA
		if _, ok := points[s]; !ok {
			series = append(series, s)
		}
		if !slices.Contains(ops, r.Op) {
			ops = append(ops, r.Op)
		}
		if !slices.Contains(isas, r.ISA) {
			isas = append(isas, r.ISA)
		}
		points[s] = append(points[s], plotter.XY{X: slot[slotKey{r.Net, r.Shape}], Y: r.Ratio})
	}
	for i, s := range series {
		offset := 0.6 * (float64(i)/float64(max(len(series)-1, 1)) - 0.5)
		xys := points[s]
		for j := range xys {
			xys[j].X += offset
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return "", err
		}
		var op, isa int
		for k, o := range ops {
			for m, a := range isas {
				if o+" "+a == s {
					op, isa = k, m
				}
			}
		}
		sc.GlyphStyle.Color = plotutil.Color(op)
		sc.GlyphStyle.Shape = plotutil.Shape(isa)
		sc.GlyphStyle.Radius = vg.Points(2.5)
		p.Add(sc)
		p.Legend.Add(s, sc)
	}
	width := vg.Length(len(ticks))*0.22*vg.Inch + 3*vg.Inch
	path := fmt.Sprintf("%s-%s-%s.svg", c.out, name, elem)
	if c.png {
		path = fmt.Sprintf("%s-%s-%s.png", c.out, name, elem)
	}
	return path, savePlot(p, max(width, 8*vg.Inch), 5.5*vg.Inch, path)
}

// ratioTicks labels a log axis of ratios at 1, 2, 5 times powers of ten.
type ratioTicks struct{}

func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprintf("%gx", v)})
			}
		}
	}
	return ticks
}
