//! Colour words and the colour of an instance: the share of its box's
//! central pixels that fall in each named colour (by hue, saturation and
//! brightness).

use serde::Serialize;

use crate::BoxF;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Colour {
    Red,
    Orange,
    Yellow,
    Green,
    Blue,
    Purple,
    Pink,
    Brown,
    White,
    Black,
    Grey,
}

/// An instance "is" a colour when at least this share of its centre has it.
const MIN_SHARE: f32 = 0.2;

impl Colour {
    pub fn from_word(word: &str) -> Option<Colour> {
        Some(match word {
            "red" => Self::Red,
            "orange" => Self::Orange,
            "yellow" | "golden" | "gold" => Self::Yellow,
            "green" => Self::Green,
            "blue" | "cyan" | "turquoise" | "navy" => Self::Blue,
            "purple" | "violet" => Self::Purple,
            "pink" | "magenta" => Self::Pink,
            "brown" => Self::Brown,
            "white" => Self::White,
            "black" | "dark" => Self::Black,
            "grey" | "gray" | "silver" => Self::Grey,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Orange => "orange",
            Self::Yellow => "yellow",
            Self::Green => "green",
            Self::Blue => "blue",
            Self::Purple => "purple",
            Self::Pink => "pink",
            Self::Brown => "brown",
            Self::White => "white",
            Self::Black => "black",
            Self::Grey => "grey",
        }
    }

    /// The named colour of one RGB pixel.
    pub fn of(r: u8, g: u8, b: u8) -> Colour {
        let (r, g, b) = (f32::from(r), f32::from(g), f32::from(b));
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let v = max / 255.0;
        let s = if max > 0.0 { (max - min) / max } else { 0.0 };
        if v < 0.2 {
            return Self::Black;
        }
        if s < 0.22 {
            return if v > 0.75 {
                Self::White
            } else if v < 0.3 {
                Self::Black
            } else {
                Self::Grey
            };
        }
        let d = max - min;
        let hue = if max == r {
            60.0 * ((g - b) / d).rem_euclid(6.0)
        } else if max == g {
            60.0 * ((b - r) / d + 2.0)
        } else {
            60.0 * ((r - g) / d + 4.0)
        };
        match hue {
            h if !(15.0..345.0).contains(&h) => {
                if v < 0.45 {
                    Self::Brown
                } else {
                    Self::Red
                }
            }
            h if h < 40.0 => {
                if v < 0.6 {
                    Self::Brown
                } else {
                    Self::Orange
                }
            }
            h if h < 70.0 => Self::Yellow,
            h if h < 165.0 => Self::Green,
            h if h < 260.0 => Self::Blue,
            h if h < 300.0 => Self::Purple,
            _ => Self::Pink,
        }
    }

    /// Whether the central half of `bbox` in `rgb` is this colour.
    pub fn matches(self, rgb: &[u8], width: u32, height: u32, bbox: &BoxF) -> bool {
        share(self, rgb, width, height, bbox) >= MIN_SHARE
    }
}

fn share(colour: Colour, rgb: &[u8], width: u32, height: u32, bbox: &BoxF) -> f32 {
    let centre = bbox.grown(-0.25);
    let (x0, y0, x1, y1) = centre.pixels(width, height);
    let step = ((x1 - x0).max(y1 - y0) / 48).max(1) as usize;
    let (mut hit, mut all) = (0u32, 0u32);
    for y in (y0..y1).step_by(step) {
        for x in (x0..x1).step_by(step) {
            let i = (y as usize * width as usize + x as usize) * 3;
            all += 1;
            if Colour::of(rgb[i], rgb[i + 1], rgb[i + 2]) == colour {
                hit += 1;
            }
        }
    }
    if all == 0 {
        0.0
    } else {
        hit as f32 / all as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_get_the_names_people_use() {
        assert_eq!(Colour::of(220, 30, 30), Colour::Red);
        assert_eq!(Colour::of(30, 60, 200), Colour::Blue);
        assert_eq!(Colour::of(40, 160, 60), Colour::Green);
        assert_eq!(Colour::of(240, 220, 40), Colour::Yellow);
        assert_eq!(Colour::of(245, 245, 240), Colour::White);
        assert_eq!(Colour::of(10, 12, 10), Colour::Black);
        assert_eq!(Colour::of(128, 128, 130), Colour::Grey);
        assert_eq!(Colour::of(100, 60, 30), Colour::Brown);
    }

    #[test]
    fn a_box_matches_the_colour_of_its_centre() {
        let (w, h) = (20u32, 20u32);
        let mut rgb = vec![0u8; 20 * 20 * 3];
        for px in rgb.chunks_exact_mut(3) {
            px.copy_from_slice(&[200, 20, 20]);
        }
        let bbox = BoxF {
            x1: 0.0,
            y1: 0.0,
            x2: 20.0,
            y2: 20.0,
        };
        assert!(Colour::Red.matches(&rgb, w, h, &bbox));
        assert!(!Colour::Blue.matches(&rgb, w, h, &bbox));
    }
}
