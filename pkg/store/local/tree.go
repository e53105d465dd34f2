package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"punchline/pkg/store/s3media"
)

// Limits of a folder tree read into memory: the bucket's (s3media), so a
// local template source can bring no more than a bucket one.
const (
	MaxFiles     = s3media.MaxFiles
	MaxFileBytes = s3media.MaxFileBytes
	MaxAllBytes  = s3media.MaxAllBytes
)

// ReadTree reads every regular file under root into memory, keyed by its
// slash path below root, within the bucket's limits, and says what it
// skipped and why: special files (a FIFO, a device, a socket: opened
// without blocking and refused), symlinks that leave root or name a
// folder, files over MaxFileBytes. It stops at ctx's end, at MaxFiles or
// at MaxAllBytes with an error. A missing root has no files.
func ReadTree(ctx context.Context, root string) (files map[string][]byte, skipped []string, err error) {
	files = map[string][]byte{}
	realRoot, err := filepath.EvalSymlinks(root)
	if errors.Is(err, fs.ErrNotExist) {
		return files, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("files under %s: %w", root, err)
	}
	total := int64(0)
	skip := func(rel, why string) { skipped = append(skipped, rel+": "+why) }
	err = filepath.WalkDir(realRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(realRoot, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		target := p
		if d.Type()&fs.ModeSymlink != 0 {
			resolved, err := filepath.EvalSymlinks(p)
			if err != nil {
				skip(rel, "broken symlink")
				return nil
			}
			if inside, _ := filepath.Rel(realRoot, resolved); inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) || filepath.IsAbs(inside) {
				skip(rel, "symlink leaves the folder")
				return nil
			}
			if st, err := os.Stat(resolved); err == nil && st.IsDir() {
				skip(rel, "symlinked folder not followed")
				return nil
			}
			target = resolved
		}
		if len(files) >= MaxFiles {
			return fmt.Errorf("more than %d files", MaxFiles)
		}
		data, why, err := readRegular(target)
		switch {
		case err != nil:
			return err
		case why != "":
			skip(rel, why)
			return nil
		}
		if total += int64(len(data)); total > MaxAllBytes {
			return fmt.Errorf("more than %d bytes in all", MaxAllBytes)
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		return nil, skipped, fmt.Errorf("files under %s: %w", root, err)
	}
	return files, skipped, nil
}

// readRegular reads the file at p if it is a regular file of at most
// MaxFileBytes; why says why it was not read. It opens without blocking,
// so a FIFO cannot hold the caller, and checks the opened file itself.
func readRegular(p string) (data []byte, why string, err error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, "cannot open: " + err.Error(), nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, "cannot stat: " + err.Error(), nil
	}
	if !st.Mode().IsRegular() {
		return nil, "not a regular file (" + st.Mode().Type().String() + ")", nil
	}
	if st.Size() > MaxFileBytes {
		return nil, fmt.Sprintf("%d bytes, over %d", st.Size(), MaxFileBytes), nil
	}
	data, err = io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", p, err)
	}
	if len(data) > MaxFileBytes {
		return nil, "grew past the size cap while read", nil
	}
	return data, "", nil
}
