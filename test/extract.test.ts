/**
 * Tests for src/node/extract. Every fixture is built in code at test time
 * (iconv-lite for GBK/Big5 bytes, jszip for .docx, pdf-lib for PDFs, a
 * hand-written PNG), so nothing binary is committed.
 */
import { makeCjkPdf } from './fixtures/documents';
import { deflateSync } from 'node:zlib';

import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';

import { ExtractError, extractDocument, extensionOf, type ExtractErrorCode } from '../src/node/extract/index';

// ---------------------------------------------------------------------------
// Fixture builders

const POLICY_GB = [
  '国务院办公厅关于进一步优化营商环境降低市场主体制度性交易成本的意见',
  '国办发〔2022〕30号',
  '',
  '各省、自治区、直辖市人民政府，国务院各部委、各直属机构：',
  '　　为深入贯彻落实党中央、国务院决策部署，进一步深化“放管服”改革，优化营商环境，降低制度性交易成本，经国务院同意，现提出以下意见。',
  '　　一、进一步破除隐性门槛，推动降低市场主体准入成本',
  '　　（一）全面实施市场准入负面清单管理。健全市场准入负面清单管理及动态调整机制，抓紧完善与之相适应的审批机制、监管机制。',
  '　　（二）着力优化工程建设项目审批。2022年底前，各地要建立完善工程建设项目审批监管系统，实现审批全流程网上办理。',
].join('\r\n');

const POLICY_BIG5 = [
  '行政院關於推動中小企業數位轉型補助計畫之實施要點',
  '一、為協助中小企業導入數位工具，提升經營效率，特訂定本要點。',
  '二、申請補助之企業，應於每年三月三十一日前檢具計畫書向主管機關提出申請。',
  '三、補助金額以計畫總經費百分之五十為上限，每案最高新臺幣一百萬元。',
].join('\n');

async function expectExtractError(p: Promise<unknown>, code: ExtractErrorCode, status?: number): Promise<ExtractError> {
  let caught: unknown = null;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ExtractError(${code})`).toBeInstanceOf(ExtractError);
  const e = caught as ExtractError;
  expect(e.code).toBe(code);
  if (status !== undefined) expect(e.status).toBe(status);
  expect(e.message.length).toBeGreaterThan(10);
  return e;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A small greyscale PNG (a "scanned page"). */
function makePng(width = 64, height = 48): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(data)]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = (x * 7 + y * 13) % 256;
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function wPara(text: string, style?: string): string {
  const ppr = style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : '';
  return `<w:p>${ppr}<w:r><w:t xml:space="preserve">${xmlEscape(text)}</w:t></w:r></w:p>`;
}

function wTable(rows: string[][]): string {
  const cell = (t: string): string => `<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr>${wPara(t)}</w:tc>`;
  return `<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>${rows.map((r) => `<w:tr>${r.map(cell).join('')}</w:tr>`).join('')}</w:tbl>`;
}

async function makeDocx(bodyXml: string, opts: { coreTitle?: string; withDocument?: boolean } = {}): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
      '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
  );
  zip.file(
    'word/_rels/document.xml.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  );
  zip.file(
    'word/styles.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="${W_NS}">` +
      '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>' +
      '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style>' +
      '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/></w:style></w:styles>',
  );
  if (opts.withDocument !== false) {
    zip.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W_NS}"><w:body>${bodyXml}</w:body></w:document>`);
  }
  zip.file(
    'docProps/core.xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
      (opts.coreTitle ? `<dc:title>${xmlEscape(opts.coreTitle)}</dc:title>` : '') +
      '</cp:coreProperties>',
  );
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

const POLICY_DOCX_BODY =
  // styleId "1" is how Chinese Word names "heading 1"; mammoth maps it by its style name.
  wPara('第一章 总则', '1') +
  wPara('第一条 为规范中小企业发展专项资金管理，提高资金使用效益，制定本办法。') +
  wPara('第二条 本办法所称专项资金，是指省级财政预算安排的专项资金。') +
  wTable([
    ['补助项目', '补助标准'],
    ['数字化改造', '不超过100万元'],
  ]) +
  wPara('第三条 本办法自发布之日起施行。');

async function makeTextPdf(pageLines: string[][], title?: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  if (title) pdf.setTitle(title);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pageLines) {
    const page = pdf.addPage([595, 842]);
    lines.forEach((line, i) => page.drawText(line, { x: 56, y: 780 - i * 18, size: 12, font }));
  }
  return pdf.save();
}

async function makeImagePdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const png = await pdf.embedPng(makePng());
  for (let i = 0; i < 2; i++) {
    const page = pdf.addPage([595, 842]);
    page.drawImage(png, { x: 0, y: 0, width: 595, height: 842 });
  }
  return pdf.save();
}

function randomBytes(n: number, seed: number, min = 0, max = 255): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = min + ((x >>> 0) % (max - min + 1));
  }
  return out;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------

describe('plain text and markdown', () => {
  it('reads UTF-8 without BOM and normalises CRLF/CR to LF, keeping everything else', async () => {
    const doc = await extractDocument(utf8('  第一条　总则\r\n第二条\r第三条  \n'), 'notice.txt');
    expect(doc).toMatchObject({ format: 'txt', encoding: 'utf-8', title: null });
    expect(doc.text).toBe('  第一条　总则\n第二条\n第三条  \n');
  });

  it('strips a UTF-8 BOM and takes the markdown title from the first "# " heading', async () => {
    const md = '```\n# not a title\n```\n\n# 关于开展2024年度政策评估的通知\n\n正文内容。\n';
    const doc = await extractDocument(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(md)]), 'readme.markdown');
    expect(doc).toMatchObject({ format: 'md', encoding: 'utf-8-bom', title: '关于开展2024年度政策评估的通知' });
    expect(doc.text).toBe(md);
    expect(doc.text.charCodeAt(0)).not.toBe(0xfeff);
  });

  it('detects GBK (GB18030) Chinese policy text by content', async () => {
    const doc = await extractDocument(iconv.encode(POLICY_GB, 'gbk'), 'policy');
    expect(doc.encoding).toBe('gb18030');
    expect(doc.format).toBe('txt');
    expect(doc.text).toBe(POLICY_GB.replace(/\r\n/g, '\n'));
  });

  it('detects Big5 text by content, whatever the file is called', async () => {
    const doc = await extractDocument(iconv.encode(POLICY_BIG5, 'big5'), 'gbk-export.txt');
    expect(doc.encoding).toBe('big5');
    expect(doc.text).toBe(POLICY_BIG5);
  });

  it('detects short GBK and Big5 snippets', async () => {
    expect((await extractDocument(iconv.encode('通知：请于本月底前报送。', 'gbk'), 'a.txt')).text).toBe('通知：请于本月底前报送。');
    expect((await extractDocument(iconv.encode('請於本月底前報送。', 'big5'), 'a.txt')).text).toBe('請於本月底前報送。');
  });

  it('reads UTF-16 with a BOM', async () => {
    const le = await extractDocument(new Uint8Array([0xff, 0xfe, ...Buffer.from('政策问答\r\nok', 'utf16le')]), 'u16.txt');
    expect(le).toMatchObject({ text: '政策问答\nok', encoding: 'utf-16le' });
    const be = Buffer.from('政策问答', 'utf16le').swap16();
    expect((await extractDocument(new Uint8Array([0xfe, 0xff, ...be]), 'u16.txt')).text).toBe('政策问答');
  });

  it('refuses random high bytes with bad_encoding', async () => {
    const e = await expectExtractError(extractDocument(randomBytes(4096, 7, 0x80, 0xff), 'random.txt'), 'bad_encoding', 422);
    expect(e.message).toMatch(/UTF-8/);
  });

  it('refuses random binary (NUL bytes) with unsupported_format', async () => {
    await expectExtractError(extractDocument(randomBytes(4096, 42), 'random.txt'), 'unsupported_format', 415);
  });

  it('refuses a PNG renamed .txt with unsupported_format', async () => {
    const e = await expectExtractError(extractDocument(makePng(), 'scan.txt'), 'unsupported_format', 415);
    expect(e.message).toMatch(/PNG/);
  });

  it('refuses empty and whitespace-only files with empty_document', async () => {
    await expectExtractError(extractDocument(new Uint8Array(0), 'empty.txt'), 'empty_document', 422);
    await expectExtractError(extractDocument(utf8(' \r\n\t\n'), 'blank.md'), 'empty_document', 422);
  });
});

describe('HTML', () => {
  const para = '根据《中华人民共和国中小企业促进法》等法律法规，为进一步支持中小企业数字化转型，激发市场主体活力，现就有关事项通知如下。各地区各部门要高度重视，切实加强组织领导，确保各项政策措施落到实处。';
  const page = `<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="utf-8">
<title>关于支持中小企业数字化转型的通知_政策文件</title>
<style>.secret-style { color: red } body::after { content: "STYLE-TEXT" }</style>
<script>alert(1); document.write("SCRIPT-TEXT")</script>
</head><body>
<header><div class="logo">HEADER-TEXT 网站首页</div></header>
<nav><a href="/">NAV-TEXT 首页</a> | <a href="/zc">政策</a></nav>
<!-- COMMENT-TEXT -->
<noscript>NOSCRIPT-TEXT 请启用脚本</noscript>
<template><p>TEMPLATE-TEXT</p></template>
<div class="content">
  <h1>关于支持中小企业数字化转型的通知</h1>
  <p>${para}</p>
  <p>一、支持范围&nbsp;&amp;&nbsp;对象：<br>符合条件的中小企业。</p>
  <table><tr><th>补助项目</th><th>补助标准</th></tr><tr><td>数字化改造</td><td>不超过100万元</td></tr></table>
  <ul><li>第一项</li><li>第二项</li></ul>
  <p>${para}</p>
  <div style="display:none">HIDDEN-TEXT</div>
</div>
<footer>FOOTER-TEXT 版权所有</footer>
<script type="text/javascript">var x = "SCRIPT2-TEXT";</script>
</body></html>`;

  it('keeps the main text and drops script/style/nav/header/footer/noscript/template/comments', async () => {
    const doc = await extractDocument(utf8(page), 'notice.html');
    expect(doc.format).toBe('html');
    expect(doc.title).toBe('关于支持中小企业数字化转型的通知_政策文件');
    expect(doc.encoding).toBe('utf-8');
    for (const junk of ['alert', 'SCRIPT', 'STYLE', 'secret-style', 'NAV-TEXT', 'HEADER-TEXT', 'FOOTER-TEXT', 'NOSCRIPT', 'TEMPLATE', 'COMMENT', 'HIDDEN']) {
      expect(doc.text).not.toContain(junk);
    }
    expect(doc.text).toContain(para);
    expect(doc.text).toContain('一、支持范围 & 对象：\n符合条件的中小企业。');
    expect(doc.text).toContain('补助项目\t补助标准\n数字化改造\t不超过100万元');
    expect(doc.text).toContain('第一项\n第二项');
    expect(doc.text).not.toMatch(/\n{3,}/);
    expect(doc.text).toBe(doc.text.trim());
  });

  it('falls back to the cleaned body for short pages and takes the title from <h1>', async () => {
    const html = '<html><body><nav>菜单</nav><h1> 通知 </h1><div>第一段</div><div>第二段<br/>第三行</div><script>alert(1)</script></body></html>';
    const doc = await extractDocument(utf8(html), 'page.htm');
    expect(doc.title).toBe('通知');
    expect(doc.text).toBe('通知\n\n第一段\n第二段\n第三行');
  });

  it('honours <meta charset="gb2312"> and sniffs HTML regardless of the extension', async () => {
    const html = '<!doctype html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>政策解读</title></head><body><p>为贯彻落实国务院决定，现就有关问题解读如下。</p></body></html>';
    const doc = await extractDocument(iconv.encode(html, 'gbk'), 'saved-page.txt');
    expect(doc).toMatchObject({ format: 'html', encoding: 'gb18030', title: '政策解读', text: '为贯彻落实国务院决定，现就有关问题解读如下。' });
  });

  it('reads a Big5 page without a charset declaration', async () => {
    const html = '<html><head><title>公告</title></head><body><p>本要點自發布日施行。</p></body></html>';
    const doc = await extractDocument(iconv.encode(html, 'big5'), 'x.html');
    expect(doc).toMatchObject({ encoding: 'big5', title: '公告', text: '本要點自發布日施行。' });
  });
});

describe('DOCX', () => {
  it('extracts heading, paragraphs and a 2x2 table (one line per row, tab-separated cells) in order', async () => {
    const doc = await extractDocument(await makeDocx(POLICY_DOCX_BODY, { coreTitle: 'core title' }), '管理办法.docx');
    expect(doc.format).toBe('docx');
    expect(doc.title).toBe('第一章 总则');
    const lines = doc.text.split('\n').filter((l) => l !== '');
    expect(lines).toEqual([
      '第一章 总则',
      '第一条 为规范中小企业发展专项资金管理，提高资金使用效益，制定本办法。',
      '第二条 本办法所称专项资金，是指省级财政预算安排的专项资金。',
      '补助项目\t补助标准',
      '数字化改造\t不超过100万元',
      '第三条 本办法自发布之日起施行。',
    ]);
  });

  it('falls back to the core-properties title when there is no heading', async () => {
    const doc = await extractDocument(await makeDocx(wPara('正文。'), { coreTitle: '关于印发<办法>的通知' }), 'a.docx');
    expect(doc).toMatchObject({ title: '关于印发<办法>的通知', text: '正文。' });
  });

  it('detects a docx by content even with a wrong extension', async () => {
    const doc = await extractDocument(await makeDocx(POLICY_DOCX_BODY), 'upload.bin');
    expect(doc.format).toBe('docx');
  });

  it('refuses a truncated docx with corrupt_file', async () => {
    const good = await makeDocx(POLICY_DOCX_BODY);
    await expectExtractError(extractDocument(good.slice(0, Math.floor(good.length / 2)), 'broken.docx'), 'corrupt_file', 422);
  });

  it('refuses a zip without word/document.xml named .docx with corrupt_file, and other zips as unsupported', async () => {
    const noDoc = await makeDocx('', { withDocument: false });
    const e = await expectExtractError(extractDocument(noDoc, 'empty.docx'), 'corrupt_file', 422);
    expect(e.message).toMatch(/document\.xml/);
    const zip = new JSZip();
    zip.file('xl/workbook.xml', '<workbook/>');
    await expectExtractError(extractDocument(await zip.generateAsync({ type: 'uint8array' }), 'sheet.xlsx'), 'unsupported_format', 415);
  });

  it('refuses random bytes named .docx with corrupt_file', async () => {
    await expectExtractError(extractDocument(randomBytes(2048, 3), 'fake.docx'), 'corrupt_file', 422);
  });
});

describe('PDF', () => {
  it('extracts text in reading order, pages joined by a blank line, with metadata title and page count', async () => {
    const bytes = await makeTextPdf(
      [
        ['Article 1: Enterprises shall apply before 2024-12-31.', 'Subsidy: up to 1,000,000 yuan per project.'],
        ['Article 2: These measures take effect on 2024-01-01.'],
      ],
      'SME Digital Transformation Measures',
    );
    const doc = await extractDocument(bytes, 'measures.pdf');
    expect(doc).toMatchObject({ format: 'pdf', pages: 2, title: 'SME Digital Transformation Measures' });
    expect(doc.text).toBe(
      'Article 1: Enterprises shall apply before 2024-12-31.\nSubsidy: up to 1,000,000 yuan per project.\n\nArticle 2: These measures take effect on 2024-01-01.',
    );
    // The caller's buffer must survive (pdf.js may detach what it is given).
    expect(bytes.byteLength).toBeGreaterThan(0);
  });

  it('detects a PDF by its %PDF- header whatever the name', async () => {
    const doc = await extractDocument(await makeTextPdf([['Hello 2024']]), 'scan.txt');
    expect(doc).toMatchObject({ format: 'pdf', text: 'Hello 2024', title: null });
  });

  it('refuses an image-only PDF with no_text_layer', async () => {
    const e = await expectExtractError(extractDocument(await makeImagePdf(), 'scanned.pdf'), 'no_text_layer', 422);
    expect(e.message).toBe('PDF has no text layer (scanned?) — OCR it first.');
  });

  it('refuses too many pages with too_many_pages (413)', async () => {
    const bytes = await makeTextPdf([['one'], ['two'], ['three']]);
    await expectExtractError(extractDocument(bytes, 'long.pdf', { maxPages: 2 }), 'too_many_pages', 413);
  });

  it('refuses a corrupt PDF with corrupt_file', async () => {
    const good = await makeTextPdf([['Hello']]);
    const bad = new Uint8Array([...utf8('%PDF-1.7\n'), ...randomBytes(600, 9)]);
    await expectExtractError(extractDocument(bad, 'bad.pdf'), 'corrupt_file', 422);
    await expectExtractError(extractDocument(good.slice(0, 40), 'cut.pdf'), 'corrupt_file', 422);
  });

  it('a CJK PDF with a non-embedded font is either read or refused with a clear no_text_layer', async () => {
    // Decoding predefined CJK CMaps needs pdf.js CMap data (shipped by pdfjs-dist); without it we must say so.
    try {
      const doc = await extractDocument(makeCjkPdf(['政策通知']), 'cjk.pdf');
      expect(doc.text).toContain('政策通知');
    } catch (err) {
      expect(err).toBeInstanceOf(ExtractError);
      expect((err as ExtractError).code).toBe('no_text_layer');
      expect((err as ExtractError).message).toMatch(/could not be converted to Unicode/);
    }
  });
});

describe('limits and robustness', () => {
  it('refuses input over maxBytes before parsing (too_large, 413)', async () => {
    const e = await expectExtractError(extractDocument(new Uint8Array(2048).fill(0x41), 'big.txt', { maxBytes: 1024 }), 'too_large', 413);
    expect(e.message).toMatch(/limit/);
    // Even garbage is refused by size first.
    await expectExtractError(extractDocument(randomBytes(4096, 5), 'big.bin', { maxBytes: 1000 }), 'too_large', 413);
  });

  it('refuses extracted text over maxChars (too_large, 413)', async () => {
    await expectExtractError(extractDocument(utf8('政策'.repeat(600)), 'long.txt', { maxChars: 1000 }), 'too_large', 413);
    const pdf = await makeTextPdf([['x'.repeat(60)], ['y'.repeat(60)]]);
    await expectExtractError(extractDocument(pdf, 'long.pdf', { maxChars: 50 }), 'too_large', 413);
  });

  it('reads only the extension of the filename, never the path', () => {
    expect(extensionOf('../../etc/passwd.TXT')).toBe('txt');
    expect(extensionOf('C:\\Users\\a\\通知.docx')).toBe('docx');
    expect(extensionOf('.bashrc')).toBe('');
    expect(extensionOf('noext')).toBe('');
  });

  it('never throws anything but ExtractError on garbage', async () => {
    const samples: Uint8Array[] = [
      randomBytes(3000, 11),
      randomBytes(3000, 12, 0x20, 0xff),
      new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...randomBytes(500, 13)]),
      new Uint8Array([...utf8('%PDF-'), ...randomBytes(100, 14)]),
      new Uint8Array([0xef, 0xbb, 0xbf, 0xff, 0xfe, 0xfd]),
    ];
    for (const bytes of samples) {
      for (const name of ['a.txt', 'a.md', 'a.html', 'a.docx', 'a.pdf', 'a']) {
        try {
          await extractDocument(bytes, name);
        } catch (err) {
          expect(err, name).toBeInstanceOf(ExtractError);
        }
      }
    }
  });
});
