//! Main-text and metadata extraction from HTML pages (a light "readability").
//!
//! The page is tokenized with `html5gum` (WHATWG tokenizer; it decodes character
//! references in text and attribute values). A small stack of open elements stands
//! in for the DOM: void elements are never pushed, the common implied end tags
//! (`<p>`, `<li>`, `<dt>`/`<dd>`, `<td>`/`<th>`, `<tr>`, nested `<a>`) are applied,
//! stray end tags are ignored and nesting is capped at [`MAX_DEPTH`] so that
//! adversarial input stays linear.
//!
//! Heuristic, in order:
//! 1. Boilerplate is skipped while tokenizing: `script`, `style`, `nav`, `aside`,
//!    `footer`, `form`, `svg`, … by tag name; `role="navigation"`, `"banner"`, …;
//!    `hidden`/`aria-hidden`/`display:none`; and elements whose `class`/`id` words
//!    say "menu", "share", "cookie", "related", "comment", "advert", …. Class and id
//!    values are split into words, so `navy` or `address` do not match `nav` or `ad`.
//!    An article's `<header>`, and an element with a class like `article-header`,
//!    keep only their headings (bylines and datelines are not article text).
//!    A "header" word only counts as boilerplate when no content word (`article`,
//!    `story`, `content`, …) sits next to it, so `article-header` survives.
//! 2. Text is gathered in blocks, one per block-level element (`p`, `h1`-`h6`, `li`,
//!    `blockquote`, `pre`, text directly inside a `div` or `td`, …); `<br>` is a space.
//! 3. If the page marks its content (`<article>`, `itemprop="articleBody"`, `<main>`,
//!    `role="main"`), the marked element with the most non-link text is kept (an
//!    `<article>` beats `<main>` when it holds at least half of its text).
//!    Otherwise each element is credited with the non-link text of the paragraphs it
//!    holds (half of it to the grandparent); the best one is kept, with those of its
//!    siblings that share its tag and class and score at least a fifth of it.
//! 4. Blocks outside the kept element and blocks that are mostly link text are dropped.
//! 5. If that leaves under [`RETRY_BELOW_CHARS`] characters, the page is walked again
//!    without the class/id rules and without skipping `<form>` (some sites put
//!    `has-sidebar` on a page-wide wrapper, ASP.NET pages wrap everything in a form);
//!    that result wins if it is more than three times as long.
//!
//! Limits: there is no real tree construction, so badly misnested markup can end an
//! element early or late; text hidden by CSS classes or scripts is not detected;
//! a headline placed outside `<article>`/the chosen container is not part of `text`
//! (it usually still is the `title`); standfirsts and bylines inside an article
//! `<header>` are dropped with the rest of the header; text rendered by JavaScript is
//! invisible; no charset detection (the input is already a `&str`).

use std::hash::{DefaultHasher, Hash, Hasher};

use html5gum::{DefaultEmitter, StartTag, Token, Tokenizer, naive_next_state};

/// What was found in an HTML page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlDoc {
    /// <meta property="og:title">, else <title> (site suffix like " | Site" or " - Site" kept as-is is fine), else first <h1>.
    pub title: Option<String>,
    /// Main text: paragraphs (and headings/list items inside the main content) separated by "\n\n"; whitespace inside a paragraph collapsed to single spaces; HTML entities decoded.
    pub text: String,
    /// <link rel="canonical" href>, else og:url.
    pub url: Option<String>,
    /// article:published_time, <meta name="date"|"pubdate"|"publish-date"|"dc.date">, JSON-LD "datePublished" (a simple string search is fine), else the first <time datetime="...">.
    pub date: Option<String>,
    /// og:site_name.
    pub outlet: Option<String>,
}

/// Extracts the main text and metadata of an HTML page. Never panics, whatever the input.
pub fn extract(html: &str) -> HtmlDoc {
    let strict = Walker::run(html, true);
    let mut text = strict.main_text();
    let len = text.chars().count();
    if len < RETRY_BELOW_CHARS {
        let loose = Walker::run(html, false).main_text();
        // A short article beside a little unflagged boilerplate should stay as it is;
        // a wrapper lost to a bad class leaves next to nothing.
        if loose.chars().count() > 3 * len {
            text = loose;
        }
    }
    let m = strict.meta;
    HtmlDoc {
        title: m.og_title.or(m.title).or(m.h1),
        text,
        url: m.canonical.or(m.og_url),
        date: m
            .published_time
            .or(m.meta_date)
            .or(m.json_ld_date)
            .or(m.itemprop_date)
            .or(m.time_in_content)
            .or(m.time_anywhere),
        outlet: m.site_name,
    }
}

/// Deeper nesting than this is flattened: real pages stay far below it, and the cap
/// bounds the stack searches done for every end tag.
const MAX_DEPTH: usize = 512;

/// Below this many characters the strict walk probably threw the article away
/// with a page-wide wrapper, so a second, looser walk is tried.
const RETRY_BELOW_CHARS: usize = 140;

/// Elements that end the text block before them and start a new one.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements whose whole content is never article text.
const SKIP_TAGS: &[&str] = &[
    "aside",
    "audio",
    "button",
    "canvas",
    "dialog",
    "embed",
    "figcaption",
    "footer",
    "head",
    "iframe",
    "label",
    "map",
    "math",
    "menu",
    "nav",
    "noscript",
    "object",
    "script",
    "search",
    "select",
    "style",
    "svg",
    "template",
    "textarea",
    "title",
    "video",
];

const VOID_TAGS: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Tags allowed in `<head>`; any other start tag means the author forgot `</head>`.
const HEAD_TAGS: &[&str] = &[
    "base", "link", "meta", "noscript", "script", "style", "template", "title",
];

/// Elements a `<p>` cannot span: their start tag closes an open paragraph.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "dialog",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "dd",
    "dt",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
];

/// Where the search for an open `<p>` to close stops (the spec's "button scope").
const P_SCOPE: &[&str] = &[
    "applet", "body", "button", "caption", "html", "marquee", "object", "table", "td", "template",
    "th",
];

const SKIP_ROLES: &[&str] = &[
    "alertdialog",
    "banner",
    "complementary",
    "contentinfo",
    "dialog",
    "menu",
    "menubar",
    "navigation",
    "search",
    "tablist",
    "toolbar",
];

/// Class/id words that mark boilerplate wherever they appear inside a word.
const NEGATIVE_PARTS: &[&str] = &[
    "advert",
    "banner",
    "breadcrumb",
    "consent",
    "cookie",
    "footer",
    "gdpr",
    "masthead",
    "menu",
    "modal",
    "newsletter",
    "outbrain",
    "popup",
    "promo",
    "related",
    "share",
    "sharing",
    "sidebar",
    "signup",
    "social",
    "sponsor",
    "subscribe",
    "taboola",
    "toolbar",
    "widget",
];

/// Class/id words that mark content; they only rescue a "header" word.
const POSITIVE_PARTS: &[&str] = &[
    "article", "body", "content", "entry", "headline", "main", "post", "story", "text",
];

fn contains(list: &[&str], name: &str) -> bool {
    list.contains(&name)
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn attr(tag: &StartTag<()>, name: &str) -> Option<String> {
    tag.attributes.get(name.as_bytes()).map(|v| lossy(&v.value))
}

/// Collapses runs of whitespace (including no-break spaces) to one space and trims.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn non_empty(s: &str) -> Option<String> {
    Some(collapse(s)).filter(|v| !v.is_empty())
}

fn set_once(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value.as_deref().and_then(non_empty);
    }
}

/// How a `class`/`id` value classifies an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClassVerdict {
    Neutral,
    Boilerplate,
    /// A header that also names content (`article-header`): keep its headings only.
    ContentHeader,
}

fn classify_names(names: &str) -> ClassVerdict {
    let lower = names.to_ascii_lowercase();
    // Screen-reader-only text ("Share on Facebook", "Advertisement") is invisible.
    if [
        "sr-only",
        "visually-hidden",
        "visuallyhidden",
        "screen-reader",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return ClassVerdict::Boilerplate;
    }
    let mut header = false;
    let mut positive = false;
    for word in lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        // Short words only match whole (or as a clear prefix/suffix) because as
        // substrings they are everywhere: "ad" in "shadow", "nav" in "canvas".
        let nav = word != "navy" && (word.starts_with("nav") || word.ends_with("nav"));
        let ad = matches!(word, "ad" | "ads" | "adslot" | "adunit" | "dfp");
        let comment = word.starts_with("comment") && !word.starts_with("commentar");
        if nav || ad || comment || NEGATIVE_PARTS.iter().any(|p| word.contains(p)) {
            return ClassVerdict::Boilerplate;
        }
        header |= word.contains("header");
        positive |= POSITIVE_PARTS.iter().any(|p| word.contains(p));
    }
    match (header, positive) {
        (true, true) => ClassVerdict::ContentHeader,
        (true, false) => ClassVerdict::Boilerplate,
        _ => ClassVerdict::Neutral,
    }
}

/// Extracts `"datePublished": "..."` from JSON-LD without parsing the JSON.
fn json_ld_date(json: &str) -> Option<String> {
    const KEY: &str = "\"datePublished\"";
    let mut rest = json;
    while let Some(pos) = rest.find(KEY) {
        rest = &rest[pos + KEY.len()..];
        let Some(value) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let Some(value) = value.trim_start().strip_prefix('"') else {
            continue;
        };
        let mut escaped = false;
        let end = value.char_indices().find_map(|(i, c)| {
            let quote = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            quote.then_some(i)
        });
        if let Some(found) = end.and_then(|e| non_empty(&value[..e].replace("\\/", "/"))) {
            return Some(found);
        }
    }
    None
}

#[derive(Debug, Default)]
struct Meta {
    og_title: Option<String>,
    title: Option<String>,
    h1: Option<String>,
    canonical: Option<String>,
    og_url: Option<String>,
    published_time: Option<String>,
    meta_date: Option<String>,
    json_ld_date: Option<String>,
    itemprop_date: Option<String>,
    time_in_content: Option<String>,
    time_anywhere: Option<String>,
    site_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading,
    Item,
    Paragraph,
}

/// One element ever opened, by id. Ids are assigned in document order, so a parent's
/// id is always smaller than its children's.
#[derive(Debug)]
struct Elem {
    parent: usize,
    kind: Kind,
    /// `<p>`-like: its text is credited to its parent, as the parent is the container.
    paragraph: bool,
    /// Hash of tag name and class, to recognise sibling wrappers of the same kind.
    signature: u64,
}

#[derive(Debug)]
struct Block {
    text: String,
    /// Non-whitespace characters.
    chars: usize,
    /// Non-whitespace characters inside `<a>`.
    link_chars: usize,
    owner: usize,
}

impl Block {
    fn link_heavy(&self) -> bool {
        self.link_chars * 2 > self.chars
    }

    fn own_chars(&self) -> usize {
        self.chars - self.link_chars.min(self.chars)
    }
}

#[derive(Debug, Default)]
struct Frame {
    name: String,
    id: usize,
    block: bool,
    skip: bool,
    marker: bool,
    headings_only: bool,
    title: bool,
    json_ld: bool,
}

#[derive(Debug)]
struct Walker {
    /// Whether class/id words and `<form>` may cause skipping.
    strict: bool,
    stack: Vec<Frame>,
    elems: Vec<Elem>,
    blocks: Vec<Block>,
    /// Marked content elements: (id, priority; lower wins).
    markers: Vec<(usize, u8)>,
    skip_depth: usize,
    marker_depth: usize,
    headings_only_depth: usize,
    link_depth: usize,
    svg_depth: usize,
    h1_depth: usize,
    head_depth: usize,
    cur_text: String,
    cur_link_chars: usize,
    cur_owner: usize,
    title_buf: String,
    h1_buf: String,
    json_ld_buf: String,
    title_seen: bool,
    meta: Meta,
}

impl Walker {
    fn run(html: &str, strict: bool) -> Walker {
        let mut walker = Walker {
            strict,
            stack: vec![Frame {
                block: true,
                ..Frame::default()
            }],
            elems: vec![Elem {
                parent: 0,
                kind: Kind::Paragraph,
                paragraph: false,
                signature: 0,
            }],
            blocks: Vec::new(),
            markers: Vec::new(),
            skip_depth: 0,
            marker_depth: 0,
            headings_only_depth: 0,
            link_depth: 0,
            svg_depth: 0,
            h1_depth: 0,
            head_depth: 0,
            cur_text: String::new(),
            cur_link_chars: 0,
            cur_owner: 0,
            title_buf: String::new(),
            h1_buf: String::new(),
            json_ld_buf: String::new(),
            title_seen: false,
            meta: Meta::default(),
        };
        let mut emitter = DefaultEmitter::default();
        // Without state switches the tokenizer would read the inside of <script>,
        // <style> and <title> as markup.
        emitter.naively_switch_states(true);
        for Ok(token) in Tokenizer::new_with_emitter(html, emitter) {
            match token {
                Token::StartTag(tag) => walker.start(&tag),
                Token::EndTag(tag) => walker.end(&lossy(&tag.name)),
                Token::String(s) => walker.text(&lossy(&s.value)),
                Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
            }
        }
        while walker.stack.len() > 1 {
            walker.pop();
        }
        walker.flush();
        walker
    }

    fn start(&mut self, tag: &StartTag<()>) {
        let name = lossy(&tag.name);
        let name = name.as_str();
        self.collect_meta(name, tag);

        if name == "br" {
            self.line_break();
            return;
        }
        if matches!(name, "html" | "head" | "body") && self.stack.iter().any(|f| f.name == name) {
            return;
        }
        if self.head_depth > 0 && (name == "body" || !contains(HEAD_TAGS, name)) {
            self.close_nearest(&["head"], |_| false);
        }
        self.apply_implied_end_tags(name);

        let block = contains(BLOCK_TAGS, name);
        // Raw-text elements are never really self-closing: the tokenizer has already
        // switched state, so their content follows regardless of the "/>".
        let pushed = !contains(VOID_TAGS, name)
            && (!tag.self_closing || naive_next_state(name.as_bytes()).is_some())
            && self.stack.len() <= MAX_DEPTH;
        if block {
            self.flush();
        }
        if !pushed {
            return;
        }

        let frame = self.frame_for(name, tag);
        let id = self.elems.len();
        let parent = self.stack.last().map_or(0, |f| f.id);
        self.elems.push(Elem {
            parent,
            kind: if is_heading(name) {
                Kind::Heading
            } else if matches!(name, "li" | "dt" | "dd") {
                Kind::Item
            } else {
                Kind::Paragraph
            },
            paragraph: matches!(name, "p" | "pre" | "blockquote" | "address"),
            signature: signature(name, tag),
        });
        if frame.marker {
            let priority = match name {
                "article" => 0,
                "main" => 2,
                _ if attr_word(tag, "role", "article") => 0,
                _ if attr_word(tag, "role", "main") => 2,
                _ => 1,
            };
            self.markers.push((id, priority));
        }
        self.skip_depth += usize::from(frame.skip);
        self.marker_depth += usize::from(frame.marker);
        self.headings_only_depth += usize::from(frame.headings_only);
        self.link_depth += usize::from(name == "a");
        self.svg_depth += usize::from(name == "svg");
        self.h1_depth += usize::from(name == "h1");
        self.head_depth += usize::from(name == "head");
        if frame.title {
            self.title_seen = true;
        }
        self.stack.push(Frame { id, block, ..frame });
    }

    /// Decides what an element does to the text inside it.
    fn frame_for(&self, name: &str, tag: &StartTag<()>) -> Frame {
        let role = attr(tag, "role").unwrap_or_default().to_ascii_lowercase();
        let hidden_style = attr(tag, "style").is_some_and(|s| {
            let s: String = s
                .to_ascii_lowercase()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            s.contains("display:none") || s.contains("visibility:hidden")
        });
        let hidden = tag.attributes.contains_key(b"hidden".as_slice())
            || attr(tag, "aria-hidden").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            || hidden_style;

        let mut skip = contains(SKIP_TAGS, name)
            || (name == "form" && self.strict)
            || (name == "header" && self.marker_depth == 0)
            || role.split_whitespace().any(|r| contains(SKIP_ROLES, r))
            || hidden;
        let mut headings_only = name == "header" && !skip;
        // The structural wrappers are exempt: WordPress and friends put words like
        // "has-sidebar" on <body> and <article>.
        if self.strict && !skip && !matches!(name, "html" | "body" | "article" | "main") {
            let names = format!(
                "{} {}",
                attr(tag, "class").unwrap_or_default(),
                attr(tag, "id").unwrap_or_default()
            );
            match classify_names(&names) {
                ClassVerdict::Boilerplate => skip = true,
                ClassVerdict::ContentHeader => headings_only = true,
                ClassVerdict::Neutral => {}
            }
        }
        let marker = !skip
            && self.skip_depth == 0
            && (matches!(name, "article" | "main")
                || role
                    .split_whitespace()
                    .any(|r| r == "main" || r == "article")
                || attr_word(tag, "itemprop", "articlebody"));
        Frame {
            name: name.to_string(),
            skip,
            marker,
            headings_only,
            title: name == "title" && self.svg_depth == 0 && !self.title_seen,
            json_ld: name == "script"
                && attr(tag, "type").is_some_and(|t| t.to_ascii_lowercase().contains("ld+json")),
            ..Frame::default()
        }
    }

    fn collect_meta(&mut self, name: &str, tag: &StartTag<()>) {
        let m = &mut self.meta;
        match name {
            "meta" => {
                let content = attr(tag, "content");
                for key in ["property", "name"] {
                    let key = attr(tag, key).unwrap_or_default().to_ascii_lowercase();
                    match key.trim() {
                        "og:title" => set_once(&mut m.og_title, content.clone()),
                        "og:url" => set_once(&mut m.og_url, content.clone()),
                        "og:site_name" => set_once(&mut m.site_name, content.clone()),
                        "article:published_time" => {
                            set_once(&mut m.published_time, content.clone());
                        }
                        "date" | "pubdate" | "publish-date" | "dc.date" => {
                            set_once(&mut m.meta_date, content.clone());
                        }
                        _ => {}
                    }
                }
            }
            "link" => {
                let canonical = attr(tag, "rel").is_some_and(|rel| {
                    rel.split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("canonical"))
                });
                if canonical {
                    set_once(&mut m.canonical, attr(tag, "href"));
                }
            }
            "time" => {
                let datetime = attr(tag, "datetime");
                if self.skip_depth == 0 {
                    set_once(&mut m.time_in_content, datetime.clone());
                }
                set_once(&mut m.time_anywhere, datetime);
            }
            _ => {}
        }
        if attr_word(tag, "itemprop", "datepublished") {
            set_once(
                &mut m.itemprop_date,
                attr(tag, "content").or_else(|| attr(tag, "datetime")),
            );
        }
    }

    /// Applies the end tags HTML implies, as far as they matter for text blocks.
    fn apply_implied_end_tags(&mut self, name: &str) {
        let special = |n: &str| contains(BLOCK_TAGS, n) && !matches!(n, "address" | "div" | "p");
        if contains(CLOSES_P, name) {
            self.close_nearest(&["p"], |n| contains(P_SCOPE, n));
        }
        match name {
            "li" => self.close_nearest(&["li"], special),
            "dt" | "dd" => self.close_nearest(&["dt", "dd"], special),
            "td" | "th" => self.close_nearest(&["td", "th"], |n| matches!(n, "table" | "tr")),
            "tr" => self.close_nearest(&["tr"], |n| n == "table"),
            // A link cannot contain a link; without this an unclosed <a> would make
            // the rest of the page count as link text.
            "a" => self.close_nearest(&["a"], |n| contains(BLOCK_TAGS, n)),
            // Headings do not nest; an unclosed one ends at the next.
            _ if is_heading(name) && self.stack.last().is_some_and(|f| is_heading(&f.name)) => {
                self.pop();
            }
            _ => {}
        }
    }

    /// Closes the innermost open element named in `targets` (and everything inside
    /// it), unless an element satisfying `stop` is found first.
    fn close_nearest(&mut self, targets: &[&str], stop: impl Fn(&str) -> bool) {
        for i in (1..self.stack.len()).rev() {
            let name = self.stack[i].name.as_str();
            if targets.contains(&name) {
                while self.stack.len() > i {
                    self.pop();
                }
                return;
            }
            if stop(name) {
                return;
            }
        }
    }

    fn end(&mut self, name: &str) {
        if name == "br" {
            // Browsers read </br> as <br>.
            self.line_break();
            return;
        }
        // Stray end tags (nothing open by that name) are ignored.
        if let Some(i) = (1..self.stack.len())
            .rev()
            .find(|&i| self.stack[i].name == name)
        {
            while self.stack.len() > i {
                self.pop();
            }
        }
    }

    fn pop(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        if self.stack.last().is_some_and(|f| f.block) {
            self.flush();
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        self.skip_depth -= usize::from(frame.skip);
        self.marker_depth -= usize::from(frame.marker);
        self.headings_only_depth -= usize::from(frame.headings_only);
        self.link_depth -= usize::from(frame.name == "a");
        self.svg_depth -= usize::from(frame.name == "svg");
        self.head_depth -= usize::from(frame.name == "head");
        if frame.name == "h1" {
            self.h1_depth -= 1;
            if self.h1_depth == 0 {
                let h1 = std::mem::take(&mut self.h1_buf);
                set_once(&mut self.meta.h1, Some(h1));
            }
        }
        if frame.title {
            let title = std::mem::take(&mut self.title_buf);
            set_once(&mut self.meta.title, Some(title));
        }
        if frame.json_ld {
            let json = std::mem::take(&mut self.json_ld_buf);
            if self.meta.json_ld_date.is_none() {
                self.meta.json_ld_date = json_ld_date(&json);
            }
        }
    }

    fn text(&mut self, s: &str) {
        // The tokenizer passes U+0000 through; browsers drop it from body text.
        let cleaned;
        let s = if s.contains('\0') {
            cleaned = s.replace('\0', "");
            cleaned.as_str()
        } else {
            s
        };
        if self.stack.last().is_some_and(|f| f.title) {
            self.title_buf.push_str(s);
        }
        if self.stack.last().is_some_and(|f| f.json_ld) {
            self.json_ld_buf.push_str(s);
        }
        if self.h1_depth > 0 && self.meta.h1.is_none() {
            self.h1_buf.push_str(s);
        }
        if self.skip_depth > 0 {
            return;
        }
        if self.cur_text.is_empty() {
            self.cur_owner = self
                .stack
                .iter()
                .rev()
                .find(|f| f.block)
                .map_or(0, |f| f.id);
        }
        if self.link_depth > 0 {
            self.cur_link_chars += s.chars().filter(|c| !c.is_whitespace()).count();
        }
        self.cur_text.push_str(s);
    }

    fn line_break(&mut self) {
        // A leading break adds nothing, and pushing it would start a block without
        // recording its owner.
        if self.skip_depth == 0 && !self.cur_text.is_empty() {
            self.cur_text.push(' ');
        }
    }

    fn flush(&mut self) {
        let raw = std::mem::take(&mut self.cur_text);
        let link_chars = std::mem::take(&mut self.cur_link_chars);
        let text = collapse(&raw);
        if text.is_empty() {
            return;
        }
        let owner = self.cur_owner;
        let kind = self.elems.get(owner).map_or(Kind::Paragraph, |e| e.kind);
        if self.headings_only_depth > 0 && kind != Kind::Heading {
            return;
        }
        let chars = text.chars().filter(|c| !c.is_whitespace()).count();
        self.blocks.push(Block {
            text,
            chars,
            link_chars,
            owner,
        });
    }

    fn signature(&self, id: usize) -> u64 {
        self.elems.get(id).map_or(0, |e| e.signature)
    }

    fn parent(&self, id: usize) -> usize {
        self.elems.get(id).map_or(0, |e| e.parent)
    }

    /// Picks the element(s) holding the article and joins their blocks.
    fn main_text(&self) -> String {
        let mut kept = vec![false; self.elems.len()];
        for root in self.chosen_roots() {
            if let Some(k) = kept.get_mut(root) {
                *k = true;
            }
        }
        // Parents have smaller ids than their children, so one forward pass marks
        // every descendant of a kept root.
        for id in 1..kept.len() {
            if kept.get(self.parent(id)).copied().unwrap_or(false) {
                kept[id] = true;
            }
        }
        let kept: Vec<&str> = self
            .blocks
            .iter()
            .filter(|b| kept.get(b.owner).copied().unwrap_or(false) && !b.link_heavy())
            .map(|b| b.text.as_str())
            .collect();
        kept.join("\n\n")
    }

    fn chosen_roots(&self) -> Vec<usize> {
        let n = self.elems.len();
        // Non-link text under each element; parents have smaller ids than children,
        // so one backward pass sums the subtrees.
        let mut subtree = vec![0usize; n];
        for b in &self.blocks {
            if let Some(slot) = subtree.get_mut(b.owner) {
                *slot += b.own_chars();
            }
        }
        for id in (1..n).rev() {
            let parent = self.parent(id);
            let add = subtree[id];
            if let Some(slot) = subtree.get_mut(parent) {
                *slot += add;
            }
        }

        let text_of = |id: usize| subtree.get(id).copied().unwrap_or(0);
        let best_marked = self.markers.iter().map(|&(id, _)| text_of(id)).max();
        if let Some(best) = best_marked.filter(|&b| b > 0) {
            // An <article> inside <main> is preferred, unless it is a small teaser.
            let chosen = self
                .markers
                .iter()
                .filter(|&&(id, _)| text_of(id) * 2 >= best)
                .min_by_key(|&&(id, priority)| (priority, std::cmp::Reverse(text_of(id)), id));
            if let Some(&(id, _)) = chosen {
                return vec![id];
            }
        }

        // No usable markup: score containers by the paragraph text they hold. Scores
        // are doubled so that the grandparent's half share stays an integer.
        let mut score = vec![0usize; n];
        for b in &self.blocks {
            let is_paragraph = self
                .elems
                .get(b.owner)
                .is_some_and(|e| e.kind == Kind::Paragraph);
            if !is_paragraph || b.owner == 0 {
                continue;
            }
            let own = b.own_chars();
            let container = if self.elems.get(b.owner).is_some_and(|e| e.paragraph) {
                self.parent(b.owner)
            } else {
                b.owner
            };
            score[container] += 2 * own;
            if container != 0 {
                score[self.parent(container)] += own;
            }
        }
        let Some((best, &top)) = score
            .iter()
            .enumerate()
            .max_by_key(|&(id, &s)| (s, std::cmp::Reverse(id)))
            .filter(|&(_, &s)| s > 0)
        else {
            return vec![0];
        };
        if best == 0 {
            return vec![0];
        }
        // Articles split over sibling wrappers (one per paragraph group, say) are
        // kept together; siblings of another kind are usually unrelated blocks.
        let parent = self.parent(best);
        (1..n)
            .filter(|&id| {
                id == best
                    || (self.parent(id) == parent
                        && score[id] > 0
                        && score[id] * 5 >= top
                        && self.signature(id) == self.signature(best))
            })
            .collect()
    }
}

fn signature(name: &str, tag: &StartTag<()>) -> u64 {
    let mut hasher = DefaultHasher::new();
    name.hash(&mut hasher);
    attr(tag, "class").unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}

/// Whether the attribute's space-separated words include `word` (ASCII case-insensitive).
fn attr_word(tag: &StartTag<()>, name: &str, word: &str) -> bool {
    attr(tag, name).is_some_and(|v| v.split_whitespace().any(|w| w.eq_ignore_ascii_case(word)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NEWS_PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Harbour deal signed | The Daily Bugle</title>
  <meta property="og:title" content="Harbour deal signed after &quot;long&quot; talks">
  <meta property="og:site_name" content="The Daily Bugle">
  <meta property="og:url" content="https://bugle.example/og/harbour">
  <meta property="article:published_time" content="2024-03-05T08:30:00Z">
  <link rel="canonical" href="https://bugle.example/news/harbour-deal?a=1&amp;b=2">
  <style>.x { color: red }</style>
  <script>var nav = "<p>not text</p>";</script>
</head>
<body class="single-post has-sidebar">
  <div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience.</p><button>Accept</button></div>
  <header class="site-header">
    <a href="/" class="logo">The Daily Bugle</a>
    <nav><ul><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
  </header>
  <main>
    <article>
      <header>
        <h1>Harbour deal signed after long talks</h1>
        <p class="byline">By Jane Doe, <time datetime="2024-03-05">5 March</time></p>
      </header>
      <div class="share-tools"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>
      <p>The city council and the port authority signed the harbour agreement on Tuesday &amp; ended two years of talks.</p>
      <p>&#8220;It&rsquo;s a good day for the city,&#8221; the mayor said,
         adding that work would start <em>next spring</em>.</p>
      <figure><img src="a.jpg" alt="The harbour"><figcaption>The harbour at dawn. Photo: Agency</figcaption></figure>
      <p>The deal covers dredging, new cranes<br>and a ferry terminal.</p>
      <p>Opponents said they would appeal the decision in court.</p>
      <footer><p>Topics: <a href="/t/harbour">harbour</a></p></footer>
    </article>
    <aside class="related-stories">
      <h2>Related stories</h2>
      <ul><li><a href="/1">Port strike ends</a></li><li><a href="/2">Ferry prices rise</a></li></ul>
    </aside>
  </main>
  <div class="sidebar"><p>Most read: something else entirely that is long enough to count.</p></div>
  <footer><p>&copy; 2024 The Daily Bugle. All rights reserved.</p></footer>
  <section id="comments"><p>Great article, thanks for writing it!</p></section>
</body>
</html>"##;

    #[test]
    fn news_page_keeps_only_the_article() {
        let doc = extract(NEWS_PAGE);
        assert_eq!(
            doc.text,
            "Harbour deal signed after long talks\n\n\
             The city council and the port authority signed the harbour agreement on Tuesday & ended two years of talks.\n\n\
             \u{201c}It\u{2019}s a good day for the city,\u{201d} the mayor said, adding that work would start next spring.\n\n\
             The deal covers dredging, new cranes and a ferry terminal.\n\n\
             Opponents said they would appeal the decision in court."
        );
    }

    #[test]
    fn news_page_metadata() {
        let doc = extract(NEWS_PAGE);
        // Character references are decoded in attribute values as well.
        assert_eq!(
            doc.title.as_deref(),
            Some("Harbour deal signed after \"long\" talks")
        );
        assert_eq!(
            doc.url.as_deref(),
            Some("https://bugle.example/news/harbour-deal?a=1&b=2")
        );
        assert_eq!(doc.date.as_deref(), Some("2024-03-05T08:30:00Z"));
        assert_eq!(doc.outlet.as_deref(), Some("The Daily Bugle"));
    }

    #[test]
    fn story_div_wins_over_link_heavy_menus() {
        let html = r#"<html><head><title>Storm hits coast - Coastal News</title></head><body>
          <div class="top"><a href="/">Home</a> | <a href="/a">Politics</a> | <a href="/b">Business</a> | <a href="/c">Culture</a></div>
          <div class="links"><ul><li><a href="/x">Storm: live updates and the latest forecasts</a></li>
            <li><a href="/y">How to prepare your home for high winds</a></li></ul></div>
          <div class="wrapper">
            <div class="story">
              <h2>Storm hits coast</h2>
              <p>A storm brought winds of up to 120 km/h to the coast overnight, cutting power to thousands of homes.</p>
              <p>Emergency services said they had received more than 300 calls, mostly about fallen trees.</p>
              <p>More details: <a href="/z">see our live page</a></p>
              <p>The weather service expects the wind to ease by Friday afternoon.</p>
            </div>
            <div class="more"><p><a href="/m1">Earlier storms</a> <a href="/m2">Photos</a></p></div>
          </div>
          <div class="bottom"><a href="/about">About</a> <a href="/contact">Contact</a></div>
        </body></html>"#;
        let doc = extract(html);
        assert_eq!(
            doc.text,
            "Storm hits coast\n\n\
             A storm brought winds of up to 120 km/h to the coast overnight, cutting power to thousands of homes.\n\n\
             Emergency services said they had received more than 300 calls, mostly about fallen trees.\n\n\
             The weather service expects the wind to ease by Friday afternoon."
        );
        assert_eq!(
            doc.title.as_deref(),
            Some("Storm hits coast - Coastal News")
        );
        assert_eq!(doc.url, None);
        assert_eq!(doc.date, None);
    }

    #[test]
    fn story_split_over_sibling_wrappers() {
        let html = r#"<body><div class="menu"><a href="/">Home</a></div><div id="page">
            <div class="chunk"><p>The first part of the story has a good amount of plain text in it.</p>
              <p>It goes on for a second paragraph, which makes this chunk the best one.</p></div>
            <div class="chunk"><p>The second chunk continues the story after an advert slot.</p></div>
            <div class="teaser"><p>An unrelated teaser block that sits next to the story chunks.</p></div>
        </div></body>"#;
        assert_eq!(
            extract(html).text,
            "The first part of the story has a good amount of plain text in it.\n\n\
             It goes on for a second paragraph, which makes this chunk the best one.\n\n\
             The second chunk continues the story after an advert slot."
        );
    }

    #[test]
    fn metadata_fallbacks() {
        let json_ld = r#"<html><head>
          <script type="application/ld+json">{"@type":"NewsArticle","headline":"X",
            "datePublished" : "2023-11-02T10:00:00+01:00","dateModified":"2023-11-03"}</script>
          <meta property="og:url" content="https://example.org/og">
          </head><body><h1>First <b>heading</b></h1><time datetime="2020-01-01">old</time>
          <p>Body text.</p></body></html>"#;
        let doc = extract(json_ld);
        assert_eq!(doc.title.as_deref(), Some("First heading"));
        assert_eq!(doc.url.as_deref(), Some("https://example.org/og"));
        assert_eq!(doc.date.as_deref(), Some("2023-11-02T10:00:00+01:00"));
        assert_eq!(doc.outlet, None);

        let meta_date = r#"<meta name="DC.date" content="2022-05-06"><script type="application/ld+json">
          {"datePublished": "2023-01-01"}</script><p>x</p>"#;
        assert_eq!(extract(meta_date).date.as_deref(), Some("2022-05-06"));

        let time_only = r#"<body><header><time datetime="2001-01-01">today</time></header>
          <article><p>Text <time datetime="2019-07-08T09:10">8 July</time></p></article></body>"#;
        let doc = extract(time_only);
        assert_eq!(doc.date.as_deref(), Some("2019-07-08T09:10"));
        assert_eq!(doc.text, "Text 8 July");

        // An SVG icon's <title> is not the page title.
        let svg_title = "<body><svg><title>Facebook</title></svg><title>Real</title></body>";
        assert_eq!(extract(svg_title).title.as_deref(), Some("Real"));
    }

    #[test]
    fn malformed_html_is_handled() {
        let html = "<HTML><BODY><DIV CLASS=story><P>First paragraph &amp; some words about it\
                    <P>Second paragraph, <B>bold and never closed<p>Third paragraph</span></i> \
                    with stray end tags<UL><LI>first item<LI>second item<script>if (a < b) {}\
                    </script></UL><p>Unclosed <a href=x>link</a> paragraph ends the story\
                    </DIV></DIV></BODY><p>Trailing text after the body";
        let doc = extract(html);
        assert_eq!(
            doc.text,
            "First paragraph & some words about it\n\n\
             Second paragraph, bold and never closed\n\n\
             Third paragraph with stray end tags\n\nfirst item\n\nsecond item\n\n\
             Unclosed link paragraph ends the story"
        );
        // Self-closing script tags do not leak their content, unclosed attributes do not panic.
        let doc = extract("<p>a</p><script/>var x = 1;</script><p>b</p><div class=\"x");
        assert_eq!(doc.text, "a\n\nb");
        // A leading <br> does not glue a block to the previous element.
        let doc = extract("<article><p>One.</p><div><br>Two <br/>lines</div></article>");
        assert_eq!(doc.text, "One.\n\nTwo lines");
        // An unclosed <a> is closed by the next one instead of swallowing the page.
        let doc = extract("<p>See <a href=1>one<a href=2>two</p><p>Plain paragraph text here.</p>");
        assert_eq!(doc.text, "Plain paragraph text here.");
    }

    #[test]
    fn empty_and_textless_input() {
        assert_eq!(extract(""), HtmlDoc::default());
        assert_eq!(extract("<html><head></head><body></body></html>").text, "");
        assert_eq!(extract("<!-- only a comment -->").text, "");
        assert_eq!(extract("just text, no tags").text, "just text, no tags");
        let no_body = "<title>Only a title</title>";
        let doc = extract(no_body);
        assert_eq!(doc.title.as_deref(), Some("Only a title"));
        assert_eq!(doc.text, "");
    }

    #[test]
    fn non_ascii_page() {
        let html = "<html><head><meta property=\"og:site_name\" content=\"Вести\">\
                    <title>新闻标题</title></head><body><nav><a href=\"/\">Главная</a></nav>\
                    <article><h1>Президент&nbsp;подписал закон</h1>\
                    <p>Закон вступит в силу\n   с 1 января.</p><p>北京时间今天上午，会议召开。</p></article></body></html>";
        let doc = extract(html);
        assert_eq!(
            doc.text,
            "Президент подписал закон\n\nЗакон вступит в силу с 1 января.\n\n北京时间今天上午，会议召开。"
        );
        assert_eq!(doc.title.as_deref(), Some("新闻标题"));
        assert_eq!(doc.outlet.as_deref(), Some("Вести"));
    }

    #[test]
    fn roles_and_hidden_elements_are_skipped() {
        let html = r#"<article>
            <div role="navigation"><p>Jump to section</p></div>
            <p>Visible paragraph.</p>
            <p hidden>Hidden paragraph.</p>
            <div aria-hidden="true"><p>Decoration.</p></div>
            <div style="display: none"><p>Also hidden.</p></div>
            <span class="sr-only">Advertisement</span>
            <div role="complementary"><p>Fact box from elsewhere.</p></div>
            <p>Second visible paragraph.</p>
        </article>"#;
        assert_eq!(
            extract(html).text,
            "Visible paragraph.\n\nSecond visible paragraph."
        );
    }

    #[test]
    fn class_words_are_matched_as_words() {
        assert_eq!(
            classify_names("article-header"),
            ClassVerdict::ContentHeader
        );
        assert_eq!(classify_names("site-header"), ClassVerdict::Boilerplate);
        assert_eq!(classify_names("story-body"), ClassVerdict::Neutral);
        assert_eq!(
            classify_names("bg-navy shadow address"),
            ClassVerdict::Neutral
        );
        assert_eq!(classify_names("main-nav"), ClassVerdict::Boilerplate);
        assert_eq!(classify_names("related-stories"), ClassVerdict::Boilerplate);
        assert_eq!(classify_names("ad"), ClassVerdict::Boilerplate);
        assert_eq!(classify_names("commentary"), ClassVerdict::Neutral);
        assert_eq!(classify_names("comments"), ClassVerdict::Boilerplate);
    }

    #[test]
    fn page_wide_boilerplate_class_falls_back_to_loose_walk() {
        // ASP.NET-style pages wrap everything in a form, some themes put
        // "with-sidebar" on the main wrapper.
        let para = "This paragraph is long enough to be the real article text of the page.";
        let html = format!(
            "<body><form id=aspnetForm><div class='layout with-sidebar'><p>{para}</p><p>{para}</p></div></form></body>"
        );
        assert_eq!(extract(&html).text, format!("{para}\n\n{para}"));
    }

    const FRAGMENTS: &[&str] = &[
        "<p>",
        "</p>",
        "<div class=story>",
        "</div>",
        "<article>",
        "</article>",
        "<main>",
        "<nav>",
        "</nav>",
        "<a href=x>",
        "</a>",
        "<br>",
        "<br/>",
        "<script>",
        "</script>",
        "<style>",
        "</style>",
        "<title>",
        "</title>",
        "<svg>",
        "</svg>",
        "<h1>",
        "</h1>",
        "<li>",
        "<table><tr><td>",
        "</td>",
        "<header>",
        "</header>",
        "<!--",
        "-->",
        "<![CDATA[",
        "<meta property=og:title content=",
        "<time datetime=",
        "&amp;",
        "&#",
        "&rsquo;",
        "\"",
        "'",
        "=",
        "<",
        ">",
        "/",
        "text ",
        "Текст ",
        "文字",
        "\u{0}",
        "<plaintext>",
        "<textarea>",
        "<script type=application/ld+json>{\"datePublished\": \"",
        "\\",
        "<head>",
        "<body>",
    ];

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_strings(s in any::<String>()) {
            let _ = extract(&s);
        }

        #[test]
        fn never_panics_on_tag_soup(
            parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..80)
        ) {
            let doc = extract(&parts.concat());
            prop_assert!(!doc.text.starts_with(char::is_whitespace));
            prop_assert!(!doc.text.contains("\n\n\n"));
        }
    }

    #[test]
    fn deep_nesting_stays_bounded() {
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(5000),
            "</span>".repeat(5000)
        );
        assert_eq!(extract(&html).text, "deep text");
    }
}
