package main

import (
	"os"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
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
	return path, savePlot(p, 7*vg.Inch, 4.5*vg.Inch, path)
}

// savePlot writes p as an image of w by h (the format from path's
// extension), with p's legend in a column to the right of the plot, where
// it covers no data.
func savePlot(p *plot.Plot, w, h vg.Length, path string) error {
	c, err := draw.NewFormattedCanvas(w, h, filepath.Ext(path)[1:])
	if err != nil {
		return err
	}
	dc := draw.New(c)
	legend := p.Legend
	p.Legend = plot.NewLegend() // drawn here, not inside the plot
	defer func() { p.Legend = legend }()
	legend.Top, legend.Left = true, true
	pad := vg.Points(8)
	r := legend.Rectangle(dc)
	width := r.Max.X - r.Min.X + 4*pad // room for a viewer whose font runs wider than the metrics
	p.Draw(draw.Crop(dc, 0, -width, 0, 0))
	legend.Draw(draw.Crop(dc, w-width+pad, 0, 0, -3*pad))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
