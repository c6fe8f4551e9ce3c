package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// table prints the per-epoch rows with fixed-width columns as each epoch
// ends.
type table struct {
	w      io.Writer
	layers int
}

func newTable(w io.Writer, layers int) *table {
	t := &table{w: w, layers: layers}
	head := fmt.Sprintf("%-5s %-13s %10s %9s %8s %6s", "epoch", "model", "train loss", "test loss", "test acc", "rough")
	for l := range layers {
		head += fmt.Sprintf(" %7s", fmt.Sprintf("dead L%d", l+1))
	}
	for l := range layers {
		head += fmt.Sprintf("  %-26s", fmt.Sprintf("slopes L%d: mean [min, max]", l+1))
	}
	head += fmt.Sprintf(" %7s", "time")
	fmt.Fprintln(w)
	fmt.Fprintln(w, head)
	return t
}

func (t *table) epoch(epoch int, recs []epochRecord) {
	for _, r := range recs {
		line := fmt.Sprintf("%-5d %-13s %10s %9.4f %7.2f%% %6s", epoch, r.Model, num(r.TrainLoss, "%.4f", epoch),
			r.TestLoss, 100*r.TestAcc, num(r.Roughness, "%.3f", epoch))
		for _, d := range r.Dead {
			line += fmt.Sprintf(" %6.1f%%", 100*d)
		}
		for _, s := range r.Slopes {
			line += fmt.Sprintf("  %-26s", slopeText(s))
		}
		secs := "-"
		if epoch > 0 {
			secs = fmt.Sprintf("%.1fs", r.Seconds)
		}
		line += fmt.Sprintf(" %7s", secs)
		fmt.Fprintln(t.w, line)
	}
}

// num formats m, or "-" for epoch 0, which has no training loss or
// roughness (a diverged run's NaN shows as NaN).
func num(m metric, format string, epoch int) string {
	if epoch == 0 {
		return "-"
	}
	return fmt.Sprintf(format, float64(m))
}

func slopeText(s stats) string {
	if s.Min == s.Max {
		return fmt.Sprintf("%.3f", s.Mean)
	}
	return fmt.Sprintf("%.3f [%.3f, %.3f]", s.Mean, s.Min, s.Max)
}

// writeSummary writes one row per model for the end of training: the
// numbers each claim is judged by. markdown selects a Markdown table.
func writeSummary(w io.Writer, e *experiment, markdown bool) {
	layers := len(e.c.hidden)
	cols := []string{"model", "final test acc", "best test acc", "final train loss", "final test loss", "roughness (mean of epochs)"}
	for l := range layers {
		cols = append(cols, fmt.Sprintf("dead L%d (final / max)", l+1))
	}
	for l := range layers {
		cols = append(cols, fmt.Sprintf("slopes L%d", l+1))
	}
	var rows [][]string
	for _, r := range e.runs {
		last := r.Records[len(r.Records)-1]
		best, rough, n := 0.0, 0.0, 0
		maxDead := make([]float64, layers)
		for _, rec := range r.Records {
			best = math.Max(best, float64(rec.TestAcc))
			if !math.IsNaN(float64(rec.Roughness)) {
				rough += float64(rec.Roughness)
				n++
			}
			for l, d := range rec.Dead {
				if !math.IsNaN(float64(d)) {
					maxDead[l] = math.Max(maxDead[l], float64(d))
				}
			}
		}
		row := []string{r.Name, fmt.Sprintf("%.2f%%", 100*last.TestAcc), fmt.Sprintf("%.2f%%", 100*best),
			num(last.TrainLoss, "%.4f", last.Epoch), fmt.Sprintf("%.4f", last.TestLoss), roughText(rough, n)}
		for l := range layers {
			row = append(row, fmt.Sprintf("%.1f%% / %.1f%%", 100*last.Dead[l], 100*maxDead[l]))
		}
		for l := range layers {
			row = append(row, slopeText(last.Slopes[l]))
		}
		rows = append(rows, row)
	}
	writeGrid(w, cols, rows, markdown)
}

// roughText is the mean of n roughnesses summing to sum; "-" if every
// epoch diverged.
func roughText(sum float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", sum/float64(n))
}

// writeEpochTable writes every epoch of every model as a Markdown table.
func writeEpochTable(w io.Writer, e *experiment) {
	layers := len(e.c.hidden)
	cols := []string{"epoch", "model", "train loss", "test loss", "test acc", "roughness"}
	for l := range layers {
		cols = append(cols, fmt.Sprintf("dead L%d", l+1))
	}
	for l := range layers {
		cols = append(cols, fmt.Sprintf("slopes L%d mean [min, max]", l+1))
	}
	var rows [][]string
	for epoch := 0; epoch <= e.c.epochs; epoch++ {
		for _, r := range e.runs {
			rec := r.Records[epoch]
			row := []string{fmt.Sprint(epoch), r.Name, num(rec.TrainLoss, "%.4f", epoch), fmt.Sprintf("%.4f", rec.TestLoss),
				fmt.Sprintf("%.2f%%", 100*rec.TestAcc), num(rec.Roughness, "%.3f", epoch)}
			for _, d := range rec.Dead {
				row = append(row, fmt.Sprintf("%.1f%%", 100*d))
			}
			for _, s := range rec.Slopes {
				row = append(row, slopeText(s))
			}
			rows = append(rows, row)
		}
	}
	writeGrid(w, cols, rows, true)
}

// writeGrid writes a table as Markdown or as aligned plain text.
func writeGrid(w io.Writer, cols []string, rows [][]string, markdown bool) {
	if markdown {
		fmt.Fprintf(w, "| %s |\n", strings.Join(cols, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(cols)))
		for _, r := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		}
		return
	}
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = len(c)
	}
	for _, r := range rows {
		for i, v := range r {
			width[i] = max(width[i], len(v))
		}
	}
	line := func(vals []string) {
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString("  ")
			}
			fmt.Fprintf(&b, "%-*s", width[i], v)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(cols)
	for _, r := range rows {
		line(r)
	}
}

// writeSeedSummary writes one row per model over the runs of several
// seeds: the final test accuracy of each, their mean and sample standard
// deviation, the diverged runs, the dead units and the final slopes.
func writeSeedSummary(w io.Writer, exps []*experiment, markdown bool) {
	layers := len(exps[0].c.hidden)
	cols := []string{"model", "final test acc per seed", "mean ± sd", "diverged"}
	for l := range layers {
		cols = append(cols, fmt.Sprintf("dead L%d max (per seed)", l+1))
	}
	for l := range layers {
		cols = append(cols, fmt.Sprintf("slopes L%d mean at the end (per seed)", l+1))
	}
	var rows [][]string
	for i, r := range exps[0].runs {
		var accs, finite []float64
		diverged := 0
		dead := make([][]string, layers)
		slopes := make([][]string, layers)
		for _, e := range exps {
			run := e.runs[i]
			last := run.Records[len(run.Records)-1]
			accs = append(accs, float64(last.TestAcc))
			if math.IsNaN(float64(last.TestLoss)) {
				diverged++
			} else {
				finite = append(finite, float64(last.TestAcc))
			}
			for l := range layers {
				m := 0.0
				for _, rec := range run.Records {
					if d := float64(rec.Dead[l]); !math.IsNaN(d) {
						m = math.Max(m, d)
					}
				}
				dead[l] = append(dead[l], fmt.Sprintf("%.1f", 100*m))
				slopes[l] = append(slopes[l], fmt.Sprintf("%.2f", last.Slopes[l].Mean))
			}
		}
		acc := make([]string, len(accs))
		for k, a := range accs {
			acc[k] = fmt.Sprintf("%.2f", 100*a)
		}
		mean, sd := meanSD(finite)
		ms := "-"
		if len(finite) > 0 {
			ms = fmt.Sprintf("%.2f ± %.2f%%", 100*mean, 100*sd)
			if diverged > 0 {
				ms += " (the others)"
			}
		}
		row := []string{r.Name, strings.Join(acc, " / ") + "%", ms, fmt.Sprintf("%d of %d", diverged, len(exps))}
		for l := range layers {
			row = append(row, strings.Join(dead[l], " / ")+"%")
		}
		for l := range layers {
			row = append(row, strings.Join(slopes[l], " / "))
		}
		rows = append(rows, row)
	}
	writeGrid(w, cols, rows, markdown)
}

// meanSD is the mean and sample standard deviation of v (sd 0 for one).
func meanSD(v []float64) (mean, sd float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}
