package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// gifMaxFrames bounds the image descriptors counted.
const gifMaxFrames = 1 << 16

// walkGIF reads the logical screen size and counts the frames. GIF keeps no
// EXIF/IPTC; the image data sub-blocks are skipped by their lengths.
func walkGIF(r io.ReaderAt, size int64) (*container, error) {
	c := newContainer()
	br := bufio.NewReader(io.NewSectionReader(r, 0, size))
	var hdr [13]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, &FormatError{Format: "gif", Offset: 0, Msg: "header truncated"}
	}
	c.width = int(binary.LittleEndian.Uint16(hdr[6:]))
	c.height = int(binary.LittleEndian.Uint16(hdr[8:]))
	if hdr[10]&0x80 != 0 {
		if _, err := br.Discard(3 << (hdr[10]&7 + 1)); err != nil {
			c.warn("gif: global colour table truncated")
			return c, nil
		}
	}
	if err := c.gifBlocks(br); err != nil {
		c.warn("gif: %v", err)
	}
	return c, nil
}

func (c *container) gifBlocks(br *bufio.Reader) error {
	for c.frames < gifMaxFrames {
		b, err := br.ReadByte()
		if err != nil {
			return fmt.Errorf("no trailer: %w", err)
		}
		switch b {
		case 0x3B:
			return nil
		case 0x21: // extension: label, then sub-blocks
			if _, err := br.ReadByte(); err != nil {
				return err
			}
		case 0x2C: // image descriptor
			var d [9]byte
			if _, err := io.ReadFull(br, d[:]); err != nil {
				return err
			}
			c.frames++
			if d[8]&0x80 != 0 {
				if _, err := br.Discard(3 << (d[8]&7 + 1)); err != nil {
					return err
				}
			}
			if _, err := br.ReadByte(); err != nil { // LZW minimum code size
				return err
			}
		default:
			return errors.New("unknown block")
		}
		if err := skipSubBlocks(br); err != nil {
			return err
		}
	}
	return nil
}

func skipSubBlocks(br *bufio.Reader) error {
	for {
		n, err := br.ReadByte()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := br.Discard(int(n)); err != nil {
			return err
		}
	}
}
