package templates

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"punchline/pkg/media/picture"
	"punchline/pkg/media/render"
	"punchline/pkg/media/video"
	"punchline/pkg/platform/wait"
)

// house is the set shipped in the binary (licences in house/LICENSES.md).
//
//go:embed house
var house embed.FS

// House returns the embedded house set as a file system of template folders.
func House() fs.FS {
	sub, _ := fs.Sub(house, "house")
	return sub
}

// houseTemplates loads the house set once: it never changes, and reusing its
// templates keeps their painted pictures across reloads.
var houseTemplates = sync.OnceValues(func() ([]*Template, []Problem) { return Load(House(), SourceHouse) })

// Problem is a template that was skipped, and why.
type Problem struct {
	ID     string // the folder name
	Source string
	Reason string
	// Warning: the template (or the rest of the source) still loaded;
	// something in it was left out (a second YAML document, a special file).
	Warning bool
}

func (p Problem) String() string { return p.Source + " template " + p.ID + ": " + p.Reason }

// Load reads every folder of fsys that holds a template.yaml as a
// template from source. Templates that fail validation, or whose asset is
// missing or bad, are returned as problems and left out.
func Load(fsys fs.FS, source string) ([]*Template, []Problem) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, []Problem{{ID: ".", Source: source, Reason: err.Error()}}
	}
	var out []*Template
	var problems []Problem
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		t, err := loadOne(fsys, e.Name())
		if errors.Is(err, fs.ErrNotExist) && t == nil {
			continue // a folder without template.yaml is not a template
		}
		if err != nil {
			problems = append(problems, Problem{ID: e.Name(), Source: source, Reason: err.Error()})
			continue
		}
		t.Source = source
		out = append(out, t)
		for _, n := range t.notes {
			problems = append(problems, Problem{ID: e.Name(), Source: source, Reason: n, Warning: true})
		}
	}
	sortByID(out)
	return out, problems
}

func loadOne(fsys fs.FS, dir string) (*Template, error) {
	data, err := readCapped(fsys, path.Join(dir, "template.yaml"), 256<<10)
	if err != nil {
		return nil, err
	}
	t, err := Parse(data)
	if err != nil {
		return t, err
	}
	if err := t.Validate(dir); err != nil {
		return t, err
	}
	if t.Kind == KindDrawn {
		return t, t.checkBoxes(t.Scene.Size[0], t.Scene.Size[1])
	}
	if strings.Contains(t.Asset, "/") || !assetExt(t.Kind, t.Asset) {
		return t, fmt.Errorf("asset %q: want a file in the folder, .jpg or .png for an image, .mp4 for a clip", t.Asset)
	}
	limit := int64(MaxImageBytes)
	if t.Kind == KindClip {
		limit = MaxClipBytes
	}
	t.data, err = readCapped(fsys, path.Join(dir, t.Asset), limit)
	if err != nil {
		return t, fmt.Errorf("asset %s: %w", t.Asset, err)
	}
	switch t.Kind {
	case KindImage:
		// The provider's rules: the declared size first, the formats that
		// cost many bytes a pixel to decode (progressive JPEG, 16-bit PNG)
		// held to 2048²; nothing is decoded here.
		cfg, format, err := picture.Check(t.data)
		if err != nil {
			return t, fmt.Errorf("asset %s: %w", t.Asset, err)
		}
		if format != "png" && format != "jpeg" {
			return t, fmt.Errorf("asset %s: a %s picture; want PNG or JPEG", t.Asset, format)
		}
		if cfg.Width < 64 || cfg.Height < 64 || cfg.Width*cfg.Height > MaxImagePixels {
			return t, fmt.Errorf("asset %s: %dx%d: want at least 64x64 and at most %d pixels", t.Asset, cfg.Width, cfg.Height, MaxImagePixels)
		}
		return t, t.checkBoxes(cfg.Width, cfg.Height)
	case KindClip:
		if len(t.data) < 12 || string(t.data[4:8]) != "ftyp" {
			return t, fmt.Errorf("asset %s: not an MP4 file", t.Asset)
		}
		if err := video.CheckSize(t.data); err != nil {
			return t, fmt.Errorf("asset %s: %w", t.Asset, err)
		}
		return t, t.checkBoxes(clipFrameW, clipFrameH)
	}
	return t, nil
}

// checkBoxes refuses a template with a box too small for one letter at the
// size it is drawn (the renderer would have nothing it could set there).
func (t *Template) checkBoxes(w, h int) error {
	rw, rh := render.RenderSize(w, h)
	var errs []error
	for i, b := range t.Boxes {
		if err := render.Holds(b.render(), float64(rw), float64(rh)); err != nil {
			errs = append(errs, fmt.Errorf("box %d (%s): %w", i+1, b.Role, err))
		}
	}
	return errors.Join(errs...)
}

// readCapped reads a file of at most limit bytes.
func readCapped(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// Library is the merged set of templates, safe for concurrent use; a
// reload swaps the whole set at once.
type Library struct {
	mu   sync.RWMutex
	byID map[string]*Template
	list []*Template
	// last is each source's last good read: a source that fails or is
	// late at a refresh keeps what it had (Reload's goroutine only).
	last map[string][]*Template
}

// NewLibrary merges sets by id, later sets winning.
func NewLibrary(sets ...[]*Template) *Library {
	l := &Library{}
	l.Set(sets...)
	return l
}

// Set replaces the library's templates with sets merged by id.
func (l *Library) Set(sets ...[]*Template) {
	byID := map[string]*Template{}
	for _, set := range sets {
		for _, t := range set {
			byID[t.ID] = t
		}
	}
	list := make([]*Template, 0, len(byID))
	for _, t := range byID {
		list = append(list, t)
	}
	sortByID(list)
	l.mu.Lock()
	l.byID, l.list = byID, list
	l.mu.Unlock()
}

// Get returns template id, or nil.
func (l *Library) Get(id string) *Template {
	if l == nil {
		return nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.byID[id]
}

// All returns every template, retired ones included, sorted by id.
func (l *Library) All() []*Template {
	if l == nil {
		return nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]*Template(nil), l.list...)
}

// Usable returns the templates that may be used (not retired), sorted by id.
func (l *Library) Usable() []*Template {
	all := l.All()
	painted := map[string]bool{} // formats a usable painted variant stands for
	for _, t := range all {
		if t.Active() && t.PaintedFrom != "" {
			painted[t.PaintedFrom] = true
		}
	}
	var out []*Template
	for _, t := range all {
		// A painted variant is preferred: its drawn original steps aside
		// (and comes back if the variant is retired or removed).
		if t.Active() && !painted[t.ID] {
			out = append(out, t)
		}
	}
	return out
}

// Source reads one source's files: the tree, what it skipped and why (a
// special file, a symlink out of the folder), or an error.
type Source func(context.Context) (files fs.FS, skipped []string, err error)

// Sources are where a library's templates come from besides the house set.
type Sources struct {
	Dir    Source // TEMPLATES_DIR; nil when unset
	Bucket Source // TEMPLATES_PREFIX of the media store; nil when unset
	Logger *slog.Logger
}

// Reload reads the house set, the folder and the bucket, logs every
// problem with its id and reason, and swaps the library's set. A source
// that cannot be read leaves its templates out of this load; the others
// still load.
func (l *Library) Reload(ctx context.Context, src Sources) []Problem {
	log := src.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var problems []Problem
	sets := [][]*Template{}
	ts, ps := houseTemplates()
	sets = append(sets, ts)
	problems = append(problems, ps...)
	// The sources are read side by side, each within ctx: a source that
	// does not answer in time (a hanging disk, a slow bucket) is left out
	// of this load with a problem, and the next refresh tries again.
	type loaded struct {
		ts []*Template
		ps []Problem
	}
	type source struct {
		name string
		done chan loaded
	}
	var pending []source
	for _, s := range []struct {
		name string
		get  Source
	}{{SourceDir, src.Dir}, {SourceBucket, src.Bucket}} {
		if s.get == nil {
			continue
		}
		done := make(chan loaded, 1)
		pending = append(pending, source{s.name, done})
		go func() {
			fsys, skipped, err := s.get(ctx)
			var r loaded
			for _, sk := range skipped {
				id, why, _ := strings.Cut(sk, ": ")
				r.ps = append(r.ps, Problem{ID: id, Source: s.name, Reason: why, Warning: true})
			}
			if err != nil {
				r.ps = append(r.ps, Problem{ID: "*", Source: s.name, Reason: err.Error()})
			} else {
				tss, pss := Load(fsys, s.name)
				r.ts, r.ps = tss, append(r.ps, pss...)
			}
			done <- r
		}()
	}
	if l.last == nil {
		l.last = map[string][]*Template{}
	}
	for _, p := range pending {
		select {
		case r := <-p.done:
			problems = append(problems, r.ps...)
			if failed(r.ps) {
				sets = append(sets, l.last[p.name]) // the last good read stands
				continue
			}
			l.last[p.name] = r.ts
			sets = append(sets, r.ts)
		case <-ctx.Done():
			problems = append(problems, Problem{ID: "*", Source: p.name, Reason: "not read in time (the last read stands): " + ctx.Err().Error()})
			sets = append(sets, l.last[p.name])
		}
	}
	for _, p := range problems {
		msg := "template skipped"
		if p.Warning {
			msg = "template source: entry left out"
		}
		log.WarnContext(ctx, msg, "template", p.ID, "source", p.Source, "reason", p.Reason)
	}
	l.Set(sets...)
	counts := map[string]int{}
	for _, t := range l.All() {
		counts[t.Source]++
	}
	log.InfoContext(ctx, "templates loaded", "house", counts[SourceHouse], "dir", counts[SourceDir], "bucket", counts[SourceBucket], "skipped", len(problems))
	return problems
}

// failed reports a problem that left a whole source out (ID "*").
func failed(ps []Problem) bool {
	for _, p := range ps {
		if p.ID == "*" && !p.Warning {
			return true
		}
	}
	return false
}

// Watch reloads the library every interval until ctx ends, off the
// request path: a request always sees a whole set, old or new.
func (l *Library) Watch(ctx context.Context, src Sources, every time.Duration) {
	wait.Every(ctx, every, func(time.Time) { l.Reload(ctx, src) })
}

// Files is an in-memory file system of the given files (slash-separated
// paths), for sources such as a bucket listing.
func Files(files map[string][]byte) fs.FS { return memFS(files) }

type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := m[name]; ok {
		return &memFile{name: path.Base(name), r: bytes.NewReader(data), size: int64(len(data))}, nil
	}
	// A directory: every entry directly below name.
	prefix := name + "/"
	if name == "." {
		prefix = ""
	}
	seen := map[string]bool{}
	var entries []fs.DirEntry
	for p := range m {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := strings.TrimPrefix(p, prefix)
		first, _, isDir := strings.Cut(rest, "/")
		if seen[first] {
			continue
		}
		seen[first] = true
		size := int64(len(m[p]))
		if isDir {
			size = 0
		}
		entries = append(entries, memEntry{name: first, dir: isDir, size: size})
	}
	if len(entries) == 0 && name != "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return &memDir{name: path.Base(name), entries: entries}, nil
}

type memFile struct {
	name string
	r    *bytes.Reader
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memEntry{name: f.name, size: f.size}, nil }
func (f *memFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	name    string
	entries []fs.DirEntry
	off     int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return memEntry{name: d.name, dir: true}, nil }
func (d *memDir) Read([]byte) (int, error)   { return 0, errors.New("is a directory") }
func (d *memDir) Close() error               { return nil }
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}

type memEntry struct {
	name string
	dir  bool
	size int64
}

func (e memEntry) Name() string               { return e.name }
func (e memEntry) IsDir() bool                { return e.dir }
func (e memEntry) Type() fs.FileMode          { return e.Mode().Type() }
func (e memEntry) Info() (fs.FileInfo, error) { return e, nil }
func (e memEntry) Size() int64                { return e.size }
func (e memEntry) Mode() fs.FileMode {
	if e.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (e memEntry) ModTime() time.Time { return time.Time{} }
func (e memEntry) Sys() any           { return nil }

// Describe is a one-line summary for logs and lint output.
func (t *Template) Describe() string {
	return fmt.Sprintf("%s (%s, %s, %d slots)", t.ID, t.Kind, t.Source, len(t.Slots()))
}
