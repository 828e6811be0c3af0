import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseXml } from './dist/index.js';
let s = '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>false</IsTruncated>';
for (let i=0;i<1000;i++) s += `<Contents><Key>src-small/f${String(i).padStart(5,'0')}.bin</Key><LastModified>2026-12-05T10:00:00.000Z</LastModified><ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag><Size>16384</Size><Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>`;
s += '</ListBucketResult>';
const p = new XMLParser({ignoreAttributes:false, attributeNamePrefix:'@', removeNSPrefix:true, parseTagValue:false, trimValues:false, processEntities:false, htmlEntities:false, ignoreDeclaration:true, ignorePiTags:true, jPath:false});
for (let r=0;r<3;r++){
let t=performance.now(); for(let i=0;i<20;i++) XMLValidator.validate(s); const v=(performance.now()-t)/20;
t=performance.now(); for(let i=0;i<20;i++) p.parse(s); const pa=(performance.now()-t)/20;
t=performance.now(); for(let i=0;i<20;i++) parseXml(s,'ListBucketResult'); const full=(performance.now()-t)/20;
console.log({validate:v.toFixed(1), parse:pa.toFixed(1), parseXml:full.toFixed(1), len:s.length});
}
