package templates

import (
	"container/list"
	"fmt"
	"image"
	"sync"

	"punchline/pkg/media/picture"
	"punchline/pkg/media/render"
)

// Decoded template pictures are kept in one cache for the process, bounded
// in bytes: a template's picture is decoded on its first use, scaled to
// the size it is drawn at (render.MaxSide), and the least recently used
// pictures are dropped to make room (a dropped one is decoded again when
// used). Decodes run a few at a time, one per template however many ask:
// 30 first uses of a 4096² progressive JPEG at once took 5.2 GB before.
const (
	PictureCacheBytes = 192 << 20
	decodesAtOnce     = 2
)

var pictures = newPictureCache(PictureCacheBytes, decodesAtOnce)

type pictureCache struct {
	mu      sync.Mutex
	max     int64
	used    int64
	lru     *list.List // of *cached, most recent first
	items   map[*Template]*list.Element
	flights map[*Template]*flight
	sem     chan struct{}
}

type cached struct {
	t     *Template
	img   image.Image
	err   error
	bytes int64
}

type flight struct {
	done chan struct{}
	img  image.Image
	err  error
}

func newPictureCache(max int64, decodes int) *pictureCache {
	return &pictureCache{max: max, lru: list.New(), items: map[*Template]*list.Element{}, flights: map[*Template]*flight{}, sem: make(chan struct{}, decodes)}
}

// get returns t's picture, decoding it with decode on a miss.
func (c *pictureCache) get(t *Template, decode func() (image.Image, error)) (image.Image, error) {
	c.mu.Lock()
	if e, ok := c.items[t]; ok {
		c.lru.MoveToFront(e)
		v := e.Value.(*cached)
		c.mu.Unlock()
		return v.img, v.err
	}
	if f, ok := c.flights[t]; ok {
		c.mu.Unlock()
		<-f.done
		return f.img, f.err
	}
	f := &flight{done: make(chan struct{})}
	c.flights[t] = f
	c.mu.Unlock()

	c.sem <- struct{}{}
	f.img, f.err = decode()
	<-c.sem

	c.mu.Lock()
	delete(c.flights, t)
	c.put(t, f.img, f.err)
	c.mu.Unlock()
	close(f.done)
	return f.img, f.err
}

// put stores a picture (or its error), evicting the least recently used
// until it fits; a picture larger than the whole cache is not kept.
func (c *pictureCache) put(t *Template, img image.Image, err error) {
	n := int64(256) // an error costs its entry
	if img != nil {
		b := img.Bounds()
		n = int64(b.Dx()) * int64(b.Dy()) * 4
	}
	if n > c.max {
		return
	}
	for c.used+n > c.max && c.lru.Len() > 0 {
		old := c.lru.Back()
		v := old.Value.(*cached)
		c.lru.Remove(old)
		delete(c.items, v.t)
		c.used -= v.bytes
	}
	c.items[t] = c.lru.PushFront(&cached{t: t, img: img, err: err, bytes: n})
	c.used += n
}

// CachedBytes is what the process's picture cache holds now (at most
// PictureCacheBytes), for load tests that tell it from a leak.
func CachedBytes() int64 { return pictures.usedBytes() }

// usedBytes is what the cache holds now.
func (c *pictureCache) usedBytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// decode is t's picture at the size it is drawn: a drawn scene painted, an
// image decoded within picture's limits; either scaled to render.MaxSide.
func (t *Template) decode() (image.Image, error) {
	switch t.Kind {
	case KindDrawn:
		return picture.Fit(t.Scene.Paint(), render.MaxSide), nil
	case KindImage:
		img, err := picture.Decode(t.data)
		if err != nil {
			return nil, fmt.Errorf("template %s: decode %s: %w", t.ID, t.Asset, err)
		}
		return picture.Fit(img, render.MaxSide), nil
	}
	return nil, fmt.Errorf("template %s: a %s has no still picture", t.ID, t.Kind)
}
