/** UI strings for the widget: simplified (default) and traditional Chinese. */

export type Lang = 'zh-Hans' | 'zh-Hant';

export interface Strings {
  title: string;
  openLabel: string;
  close: string;
  modesLabel: string;
  modeAsk: string;
  modeVerify: string;
  inputAsk: string;
  placeholderAsk: string;
  inputVerify: string;
  placeholderVerify: string;
  send: string;
  welcome: string;
  searching: string;
  verifying: string;
  you: string;
  bot: string;
  cite: (n: number, title: string) => string;
  sourceLink: string;
  newWindow: string;
  copy: string;
  copied: string;
  copyFailed: string;
  sources: string;
  retry: string;
  network: string;
  rateLimited: (seconds: number | null) => string;
  unauthorized: string;
  refused: string;
  httpError: (status: number, message: string) => string;
  serverError: (status: number) => string;
  dropped: string;
  streamError: (message: string) => string;
  abstained: string;
  modeExtractive: string;
  modeLlm: string;
  rewritten: (q: string) => string;
  verdictTitle: string;
  verdicts: Record<'supported' | 'contradicted' | 'not_found', string>;
  figuresTitle: string;
  claimed: string;
  found: string;
  match: string;
  mismatch: string;
  missing: string;
  evidence: string;
  noEvidence: string;
  emptyAnswer: string;
  examplesLabel: string;
}

const hans: Strings = {
  title: '政策问答',
  openLabel: '打开政策问答',
  close: '关闭',
  modesLabel: '模式',
  modeAsk: '问答',
  modeVerify: '核查',
  inputAsk: '输入您的问题',
  placeholderAsk: '请输入关于政策文件的问题…',
  inputVerify: '输入要核查的说法',
  placeholderVerify: '输入一句需要核查的说法，例如某项数据…',
  send: '发送',
  welcome: '您好！我会根据政策文件原文回答问题，并标注引用来源。切换到“核查”可核对一句说法是否与文件一致。',
  searching: '正在检索…',
  verifying: '正在核查…',
  you: '问：',
  bot: '答：',
  cite: (n, title) => `引用 ${n}：${title}`,
  sourceLink: '查看原文',
  newWindow: '（在新窗口打开）',
  copy: '复制回答及引用',
  copied: '已复制',
  copyFailed: '复制失败，请手动选择文本复制',
  sources: '来源',
  retry: '重试',
  network: '网络连接失败，请检查网络后重试。',
  rateLimited: (s) => (s === null ? '请求过于频繁，请稍后再试' : `请求过于频繁，请 ${s} 秒后再试`),
  unauthorized: '访问未授权：令牌缺失、无效或已过期，请刷新页面后重试。',
  refused: '本网站未获准使用此问答服务（跨域访问被拒绝），请联系网站管理员。',
  httpError: (status, message) => `请求失败（${status}）${message ? '：' + message : ''}`,
  serverError: (status) => `服务暂时不可用（${status}），请稍后重试。`,
  dropped: '回答中断：与服务器的连接已断开。',
  streamError: (message) => `生成回答时出错${message ? '：' + message : ''}`,
  abstained: '未在文件中找到可靠依据',
  modeExtractive: '原文摘录',
  modeLlm: '模型生成',
  rewritten: (q) => `检索问题：${q}`,
  verdictTitle: '核查结论',
  verdicts: { supported: '支持', contradicted: '矛盾', not_found: '未找到' },
  figuresTitle: '数据比对',
  claimed: '说法',
  found: '文件',
  match: '一致',
  mismatch: '不一致',
  missing: '未找到',
  evidence: '证据',
  noEvidence: '没有找到相关证据。',
  emptyAnswer: '（无回答）',
  examplesLabel: '示例问题',
};

const hant: Strings = {
  title: '政策問答',
  openLabel: '開啟政策問答',
  close: '關閉',
  modesLabel: '模式',
  modeAsk: '問答',
  modeVerify: '核查',
  inputAsk: '輸入您的問題',
  placeholderAsk: '請輸入關於政策文件的問題…',
  inputVerify: '輸入要核查的說法',
  placeholderVerify: '輸入一句需要核查的說法，例如某項數據…',
  send: '送出',
  welcome: '您好！我會根據政策文件原文回答問題，並標註引用來源。切換到「核查」可核對一句說法是否與文件一致。',
  searching: '正在檢索…',
  verifying: '正在核查…',
  you: '問：',
  bot: '答：',
  cite: (n, title) => `引用 ${n}：${title}`,
  sourceLink: '查看原文',
  newWindow: '（在新視窗開啟）',
  copy: '複製回答及引用',
  copied: '已複製',
  copyFailed: '複製失敗，請手動選取文字複製',
  sources: '來源',
  retry: '重試',
  network: '網路連線失敗，請檢查網路後重試。',
  rateLimited: (s) => (s === null ? '請求過於頻繁，請稍後再試' : `請求過於頻繁，請 ${s} 秒後再試`),
  unauthorized: '存取未獲授權：權杖缺失、無效或已過期，請重新整理頁面後重試。',
  refused: '本網站未獲准使用此問答服務（跨網域存取遭拒），請聯絡網站管理員。',
  httpError: (status, message) => `請求失敗（${status}）${message ? '：' + message : ''}`,
  serverError: (status) => `服務暫時無法使用（${status}），請稍後重試。`,
  dropped: '回答中斷：與伺服器的連線已中斷。',
  streamError: (message) => `產生回答時出錯${message ? '：' + message : ''}`,
  abstained: '未在文件中找到可靠依據',
  modeExtractive: '原文摘錄',
  modeLlm: '模型生成',
  rewritten: (q) => `檢索問題：${q}`,
  verdictTitle: '核查結論',
  verdicts: { supported: '支持', contradicted: '矛盾', not_found: '未找到' },
  figuresTitle: '數據比對',
  claimed: '說法',
  found: '文件',
  match: '一致',
  mismatch: '不一致',
  missing: '未找到',
  evidence: '證據',
  noEvidence: '沒有找到相關證據。',
  emptyAnswer: '（無回答）',
  examplesLabel: '範例問題',
};

/** `data-lang` wins; otherwise the page's <html lang>: zh-TW / zh-HK / zh-MO / zh-Hant* → traditional. */
export function detectLang(dataLang: string | undefined | null, htmlLang: string | undefined | null): Lang {
  const pick = (v: string) => (/^zh[-_](hant|tw|hk|mo)\b/i.test(v.trim()) ? 'zh-Hant' : 'zh-Hans');
  if (dataLang && dataLang.trim()) return pick(dataLang);
  if (htmlLang && htmlLang.trim()) return pick(htmlLang);
  return 'zh-Hans';
}

export function stringsFor(lang: Lang): Strings {
  return lang === 'zh-Hant' ? hant : hans;
}
