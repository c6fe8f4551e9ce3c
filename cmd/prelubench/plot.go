package main

import (
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// plotOp writes GB/s against n (log axis) for op, one line per ISA and one
// for copy(), and returns the file's path.
func plotOp(c config, op string, rs []result) (string, error) {
	p := plot.New()
	p.Title.Text = op + " (" + c.elem + "): throughput against size"
	p.X.Label.Text = "n (elements)"
	p.Y.Label.Text = "GB/s"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	lines := map[string]plotter.XYs{}
	for _, r := range rs {
		lines[r.ISA] = append(lines[r.ISA], plotter.XY{X: float64(r.N), Y: r.GBps})
	}
	var names []string
	for name := range lines {
		names = append(names, name)
	}
	sort.Strings(names)
	var args []any
	for _, name := range names {
		label := name
		if name == "copy" {
			label = "copy()"
		}
		args = append(args, label, lines[name])
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return "", err
	}
	path := c.out + "-" + op + ".svg"
	if c.png {
		path = c.out + "-" + op + ".png"
	}
	return path, p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
