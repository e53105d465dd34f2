package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"punchline/pkg/media/render"
)

// Chart layout, in pixels.
const (
	chartW      = 1100
	labelW      = 300 // value names
	barX0       = labelW + 20
	barW        = 560 // 0..100%
	rowH        = 30
	titleH      = 44
	sectionGap  = 18
	maxRowsEach = 12 // per dimension: the most-battled values
)

var (
	ink     = color.RGBA{20, 20, 20, 255}
	grey    = color.RGBA{120, 120, 120, 255}
	grid    = color.RGBA{225, 225, 225, 255}
	winBar  = color.RGBA{46, 125, 200, 255}
	mehBar  = color.RGBA{230, 160, 40, 255}
	whisker = color.RGBA{10, 40, 90, 255}
)

// Chart draws, per dimension, each value's win rate as a bar with its 95%
// interval as a whisker, the meh rate as a thin bar under it, and the
// number of decided battles.
func Chart(rows []Row) (*image.RGBA, error) {
	var sections [][]Row
	for _, d := range Dimensions {
		var sec []Row
		for _, r := range rows {
			if r.Dimension == d.Name && r.Decided() > 0 && len(sec) < maxRowsEach {
				sec = append(sec, r)
			}
		}
		if len(sec) > 0 {
			sections = append(sections, sec)
		}
	}
	h := 60
	for _, s := range sections {
		h += titleH + len(s)*rowH + sectionGap
	}
	img := image.NewRGBA(image.Rect(0, 0, chartW, h))
	draw.Draw(img, img.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	title := "Arena win rate (blue, whisker: 95% Wilson interval), meh rate (orange)"
	for _, r := range rows {
		if r.Simulated > 0 {
			title += ": simulated votes (make arena-fake)"
			break
		}
	}
	if _, err := render.Label(img, title, 20, 34, 22, ink); err != nil {
		return nil, err
	}
	y := 60
	for _, sec := range sections {
		if _, err := render.Label(img, sec[0].Dimension, 20, float64(y+30), 20, ink); err != nil {
			return nil, err
		}
		for _, p := range []float64{0, 0.25, 0.5, 0.75, 1} {
			x := barX0 + int(p*barW)
			fill(img, image.Rect(x, y+titleH-6, x+1, y+titleH+len(sec)*rowH), grid)
			if _, err := render.Label(img, fmt.Sprintf("%d%%", int(p*100)), float64(x-10), float64(y+titleH-10), 12, grey); err != nil {
				return nil, err
			}
		}
		y += titleH
		for _, r := range sec {
			value := r.Value
			if len([]rune(value)) > 34 {
				value = string([]rune(value)[:33]) + "…"
			}
			few := r.Decided() < minChartN // a 100 % bar of one battle says nothing
			if few {
				value += fmt.Sprintf(" (n=%d)", r.Decided())
			}
			if _, err := render.Label(img, value, 20, float64(y+20), 15, ink); err != nil {
				return nil, err
			}
			if few {
				if _, err := render.Label(img, fmt.Sprintf("too few battles to show a rate (%d of %d)", r.Wins, r.Decided()), barX0, float64(y+19), 14, grey); err != nil {
					return nil, err
				}
				y += rowH
				continue
			}
			fill(img, image.Rect(barX0, y+5, barX0+int(r.WinRate*barW), y+19), winBar)
			fill(img, image.Rect(barX0, y+21, barX0+int(r.MehRate*barW), y+25), mehBar)
			lo, hi := barX0+int(r.WinLow*barW), barX0+int(r.WinHigh*barW)
			fill(img, image.Rect(lo, y+11, hi+1, y+13), whisker)
			fill(img, image.Rect(lo, y+7, lo+2, y+17), whisker)
			fill(img, image.Rect(hi-1, y+7, hi+1, y+17), whisker)
			note := fmt.Sprintf("%.1f%%  (%.0f–%.0f)  n=%d", 100*r.WinRate, 100*r.WinLow, 100*r.WinHigh, r.Decided())
			if _, err := render.Label(img, note, barX0+barW+16, float64(y+19), 14, ink); err != nil {
				return nil, err
			}
			y += rowH
		}
		y += sectionGap
	}
	return img, nil
}

// minChartN is the fewest decided battles a bar is drawn for.
const minChartN = 5

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r.Intersect(img.Rect), image.NewUniform(c), image.Point{}, draw.Src)
}
