//! Horizontal bar charts as SVG, one kind for every report: a bar per row with its label on
//! the left (Chinese labels stay legible, however many rows) and its value at the bar's end.
//! Positions are computed here in integers; the template only writes them out.

/// The drawing's width in SVG units; it scales to the page's width.
pub const WIDTH: i64 = 640;
const LABEL_WIDTH: i64 = 170;
const BAR_SPACE: i64 = 360;
const ROW: i64 = 26;
/// Characters of a label shown; the whole label is the bar's tooltip.
const LABEL_CHARS: usize = 11;

#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub short: String,
    pub value: String,
    pub y: i64,
    pub width: i64,
    pub href: Option<String>,
}

impl Bar {
    pub fn text_y(&self) -> i64 {
        self.y + 14
    }
    pub fn value_x(&self) -> i64 {
        LABEL_WIDTH + self.width + 6
    }
}

#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub caption: String,
    pub bars: Vec<Bar>,
}

impl Chart {
    /// `rows` are (label, size, value as shown, link); sizes are scaled to the largest.
    pub fn new(caption: impl Into<String>, rows: Vec<(String, i64, String, Option<String>)>) -> Self {
        let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
        let bars = (0_i64..)
            .zip(rows)
            .map(|(i, (label, size, value, href))| {
                let width =
                    i64::try_from(i128::from(size.max(0)) * i128::from(BAR_SPACE) / i128::from(max)).unwrap_or(0);
                let short = if label.chars().count() > LABEL_CHARS {
                    format!("{}…", label.chars().take(LABEL_CHARS - 1).collect::<String>())
                } else {
                    label.clone()
                };
                Bar { label, short, value, y: i * ROW + 4, width, href }
            })
            .collect();
        Self { caption: caption.into(), bars }
    }

    pub fn height(&self) -> i64 {
        (self.bars.len() as i64) * ROW + 8
    }

    pub fn width(&self) -> i64 {
        WIDTH
    }

    pub fn bar_x(&self) -> i64 {
        LABEL_WIDTH
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_long_labels_are_shortened() {
        let chart = Chart::new(
            "x",
            vec![
                ("华星科技".into(), 50, "50".into(), None),
                ("一个名字非常非常长的客户有限公司".into(), 100, "100".into(), None),
            ],
        );
        assert_eq!((chart.bars[0].width, chart.bars[1].width), (BAR_SPACE / 2, BAR_SPACE));
        assert_eq!(chart.bars[1].short.chars().count(), LABEL_CHARS);
        assert_eq!(chart.bars[1].y, ROW + 4);
        assert_eq!(chart.height(), 2 * ROW + 8);
    }
}
