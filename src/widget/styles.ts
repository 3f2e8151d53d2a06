/** Scoped styles of the widget's shadow root. Constant text, no data. */

const FONT =
  '-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif';
const FONT_HANT =
  '-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang TC","Microsoft JhengHei","Noto Sans CJK TC","Source Han Sans TC","WenQuanYi Micro Hei","Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif';

export const CSS = `
:host{all:initial;display:block}
:host([data-mode=inline]){height:100%}
.root{font-family:${FONT};font-size:15px;font-weight:400;font-style:normal;line-height:1.6;color:#1f2328;text-align:left;text-transform:none;letter-spacing:normal;word-spacing:normal;direction:ltr;visibility:visible;-webkit-text-size-adjust:100%}
.root:lang(zh-Hant){font-family:${FONT_HANT}}
.root.inline{height:100%}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button,textarea,a{font:inherit;color:inherit;letter-spacing:normal}
button{cursor:pointer;margin:0}
:focus{outline:none}
:focus-visible{outline:3px solid #e8a200;outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;height:52px;padding:0 20px 0 16px;border:0;border-radius:26px;background:#1f4e99;color:#fff;font-size:16px;font-weight:600;box-shadow:0 6px 20px rgba(15,30,60,.3)}
.launcher:hover{background:#173d7a}
.launcher svg{width:22px;height:22px;flex:none}
.panel{position:fixed;right:20px;bottom:84px;z-index:2147483001;display:flex;flex-direction:column;width:400px;max-width:calc(100vw - 40px);height:640px;max-height:calc(100vh - 104px);background:#fff;border:1px solid #d0d7de;border-radius:14px;box-shadow:0 12px 40px rgba(15,30,60,.28);overflow:hidden}
@media (max-width:520px){.launcher[aria-expanded=true]{display:none}.panel{top:0;left:0;right:0;bottom:0;width:100%;max-width:none;height:100%;max-height:none;border:0;border-radius:0}}
.panel.inline{position:relative;top:auto;left:auto;right:auto;bottom:auto;z-index:auto;width:100%;max-width:none;height:100%;max-height:none;box-shadow:none;border:1px solid #d0d7de;border-radius:12px}
.inline .hd{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.hd{display:flex;align-items:center;gap:8px;padding:10px 10px 10px 16px;background:#1f4e99;color:#fff}
.hd h2{flex:1;margin:0;font-size:17px;font-weight:600;line-height:1.4;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.x{display:flex;align-items:center;justify-content:center;width:36px;height:36px;border:0;border-radius:8px;background:transparent;color:#fff;font-size:22px;line-height:1}
.x:hover{background:rgba(255,255,255,.15)}
.modes{display:flex;gap:6px;padding:8px 12px;background:#f3f5f8;border-bottom:1px solid #e1e5ea}
.mode{flex:1;min-height:36px;padding:4px 8px;border:1px solid #c3ccd7;border-radius:8px;background:#fff;font-size:15px}
.mode[aria-checked=true]{background:#1f4e99;border-color:#1f4e99;color:#fff;font-weight:600}
.log{flex:1;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:14px 12px;display:flex;flex-direction:column;gap:12px}
.welcome{margin:0;padding:10px 12px;border-radius:10px;background:#f3f5f8;color:#3d4753;font-size:14px}
.msg{max-width:100%;overflow-wrap:anywhere;word-break:break-word}
.user{align-self:flex-end;max-width:85%;padding:8px 12px;border-radius:14px 14px 4px 14px;background:#1f4e99;color:#fff;white-space:pre-wrap}
.user.verify{background:#5b3f8c}
.bot{align-self:stretch;padding:10px 12px;border:1px solid #e1e5ea;border-radius:14px 14px 14px 4px;background:#f8f9fb}
.answer{white-space:pre-wrap}
.status{color:#57606a;font-size:14px}
.chip{display:inline-flex;align-items:center;justify-content:center;min-width:24px;height:24px;margin:0 2px;padding:0 6px;border:1px solid #9db4dc;border-radius:12px;background:#e8effb;color:#1f4e99;font-size:12px;font-weight:700;line-height:1;vertical-align:2px}
.chip:hover{background:#d4e1f7}
.chip[aria-expanded=true]{background:#1f4e99;border-color:#1f4e99;color:#fff}
.passage{margin-top:10px;padding:10px 12px;border:1px solid #d0d7de;border-left:4px solid #1f4e99;border-radius:8px;background:#fff}
.ptitle{margin:0 0 6px;color:#4a5561;font-size:13px;font-weight:600}
.quote{margin:0;white-space:pre-wrap;font-size:14px;line-height:1.7}
mark{padding:0 1px;border-radius:2px;background:#ffe58a;color:#1f2328;box-shadow:inset 0 -2px 0 #e0a800}
.src{display:inline-block;margin-top:6px;color:#1f4e99;font-size:13px;text-decoration:underline;text-underline-offset:2px}
.meta{margin-left:auto;color:#57606a;font-size:12px}
.tag{display:inline-block;margin-right:6px;padding:0 6px;border:1px solid #d0d7de;border-radius:4px;background:#fff}
.actions{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin-top:8px}
.btn{min-height:32px;padding:4px 12px;border:1px solid #c3ccd7;border-radius:8px;background:#fff;font-size:13px}
.btn:hover{background:#eef1f5}
.btn:disabled{opacity:.55;cursor:not-allowed}
.note{color:#1a7f37;font-size:13px}
.err{margin-top:8px;padding:8px 10px;border:1px solid #f1aeb5;border-radius:8px;background:#fff1f2;color:#8a1c1c;font-size:14px}
.err .btn{margin-top:6px;border-color:#e39aa3}
.vhead{display:flex;align-items:center;flex-wrap:wrap;gap:8px;margin-bottom:6px;font-weight:600}
.verdict{display:inline-block;padding:2px 12px;border-radius:12px;font-weight:700}
.v-supported{background:#dafbe1;color:#116329}
.v-contradicted{background:#ffe2e0;color:#8a1c1c}
.v-not_found{background:#eaeef2;color:#3d4753}
.expl{margin:0 0 6px;white-space:pre-wrap}
.figs{margin:6px 0;padding:0;list-style:none;font-size:14px}
.figs li{padding:2px 0}
.ok{color:#116329;font-weight:600}
.bad{color:#a40e26;font-weight:600}
.sub{margin:10px 0 0;font-size:13px;font-weight:600;color:#4a5561}
.form{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid #e1e5ea;background:#fff}
.form textarea{flex:1;min-width:0;min-height:42px;max-height:132px;padding:9px 10px;border:1px solid #b6c0cc;border-radius:10px;background:#fff;font-size:16px;line-height:1.5;resize:none}
.form textarea:focus-visible{outline:2px solid #1f4e99;outline-offset:0;border-color:#1f4e99}
.send{flex:none;min-width:64px;min-height:42px;padding:0 14px;border:0;border-radius:10px;background:#1f4e99;color:#fff;font-size:15px;font-weight:600}
.send[aria-disabled=true]{opacity:.6;cursor:progress}
@media (prefers-reduced-motion:no-preference){.log{scroll-behavior:smooth}}
@media (forced-colors:active){.chip,.mode,.btn,.send,.launcher{border:1px solid ButtonText}mark{forced-color-adjust:none}}
`;
